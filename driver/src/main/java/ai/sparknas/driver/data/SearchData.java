package ai.sparknas.driver.data;

import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.driver.config.SearchConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The two halves of the training file a search uses: the leading {@code train-portion} of the used
 * records trains ω ("train"), the rest trains α ("val"), as DARTS {@code train_portion = 0.5}.
 * Both are standardised with the configured per-channel statistics.
 */
public record SearchData(ImageDataset weightData, ImageDataset alphaData) {

    /** Reads, normalises and splits the data named by the config. */
    public static SearchData load(SearchConfig.Data cfg) throws IOException {
        int count = cfg.limit() == 0 ? -1 : cfg.limit();
        ImageDataset all;
        if (cfg.isCifar()) {
            CifarVariant variant = cfg.format().equals("cifar100") ? CifarVariant.CIFAR100 : CifarVariant.CIFAR10;
            List<Path> files = cfg.cifarFiles().stream().map(Path::of).toList();
            all = CifarReader.readPaths(cfg.format(), files, variant, 0, count);
        } else {
            Path images = Path.of(cfg.trainImages());
            int records = IdxReader.header(images)[0];
            if (cfg.limit() > records) {
                throw new ConfigException("sparknas.data.limit", "sparknas.data.limit = " + cfg.limit() + " but "
                        + images + " holds " + records + " records: lower data.limit (0 = all)");
            }
            all = IdxReader.read(images.getFileName().toString(), InputStreamSupplier.of(images),
                    InputStreamSupplier.of(Path.of(cfg.trainLabels())), 0, count, cfg.classes());
        }
        if (all.classes() > cfg.classes()) {
            throw new ConfigException("sparknas.data.classes", "sparknas.data.classes = " + cfg.classes() + " but " + all.name()
                    + " has " + all.classes() + " classes: set data.classes=" + all.classes());
        }
        if (!cfg.normalize().equals("none")) {
            float[][] stats = Normalization.forDataset(cfg.normalize());
            if (stats[0].length != all.channels()) {
                throw new ConfigException("sparknas.data.normalize", "sparknas.data.normalize = " + cfg.normalize() + " has statistics for "
                        + stats[0].length + " channel(s) but the data has " + all.channels());
            }
            Normalization.standardize(all, stats[0], stats[1]);
        }
        return split(all, cfg.trainPortion());
    }

    /** Splits at ⌊portion·n⌋; both halves must be non-empty. */
    public static SearchData split(ImageDataset all, double portion) {
        int cut = (int) Math.floor(portion * all.size());
        if (cut < 1 || cut >= all.size()) {
            throw new ConfigException("sparknas.data.train-portion", "sparknas.data.train-portion = " + portion + " leaves an empty half of "
                    + all.size() + " records: use more data (data.limit) or a portion nearer 0.5");
        }
        return new SearchData(all.range(0, cut), all.range(cut, all.size()));
    }
}
