package ai.sparknas.driver.data;

import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.driver.config.SearchConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The two halves of the training file a search uses: the leading {@code train-portion} of the used
 * records trains ω ("train"), the rest trains α ("val"), as DARTS {@code train_portion = 0.5}.
 * Both are standardised with the configured per-channel statistics.
 */
public record SearchData(ImageDataset weightData, ImageDataset alphaData) {

    /** Reads, normalises and splits the data named by the config, from local files. */
    public static SearchData load(SearchConfig.Data cfg) throws IOException {
        DataLayout layout = DataLayout.probe(cfg, DataFiles.LOCAL);
        ImageDataset all = readRange(cfg, DataFiles.LOCAL, layout, 0, layout.used());
        return new SearchData(all.range(0, layout.cut()), all.range(layout.cut(), all.size()));
    }

    /**
     * Records [from, from + count) of the training file, checked against {@code data.classes} and
     * standardised: what one data-parallel partition reads of one half.
     */
    public static ImageDataset readRange(SearchConfig.Data cfg, DataFiles files, DataLayout layout, int from, int count)
            throws IOException {
        ImageDataset part;
        if (cfg.isCifar()) {
            List<InputStreamSupplier> suppliers = new ArrayList<>();
            for (String f : cfg.cifarFiles()) {
                suppliers.add(files.open(f));
            }
            part = CifarReader.read(layout.name(), suppliers, DataLayout.variant(cfg), from, count);
        } else {
            part = IdxReader.read(layout.name(), files.open(cfg.trainImages()), files.open(cfg.trainLabels()),
                    from, count, cfg.classes());
        }
        if (part.classes() > cfg.classes()) {
            throw new ConfigException("sparknas.data.classes", "sparknas.data.classes = " + cfg.classes() + " but "
                    + part.name() + " has " + part.classes() + " classes: set data.classes=" + part.classes());
        }
        if (!cfg.normalize().equals("none")) {
            float[][] stats = Normalization.forDataset(cfg.normalize());
            if (stats[0].length != part.channels()) {
                throw new ConfigException("sparknas.data.normalize", "sparknas.data.normalize = " + cfg.normalize()
                        + " has statistics for " + stats[0].length + " channel(s) but the data has " + part.channels());
            }
            Normalization.standardize(part, stats[0], stats[1]);
        }
        return part;
    }

    /** Splits at ⌊portion·n⌋; both halves must be non-empty. */
    public static SearchData split(ImageDataset all, double portion) {
        int cut = DataLayout.cut(all.size(), portion);
        return new SearchData(all.range(0, cut), all.range(cut, all.size()));
    }
}
