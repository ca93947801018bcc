package ai.sparknas.driver.data;

import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.driver.config.SearchConfig;
import java.io.IOException;

/**
 * The shape of a search's data, learnt from file headers without reading the records: image shape,
 * the used records ({@code data.limit}) and the cut between the ω half [0, cut) and the α half
 * [cut, used). Both halves are used over their first {@link #recordsPerSplit()} records, so the
 * batch plan treats them alike. The Spark driver plans from this alone; executors read their ranges.
 */
public record DataLayout(String name, int channels, int height, int width, int used, int cut)
        implements java.io.Serializable {

    /** Records of each half that batches are drawn from: min(cut, used − cut). */
    public int recordsPerSplit() {
        return Math.min(cut, used - cut);
    }

    /**
     * Reads the files named by {@code cfg} whole once (IDX: header, declared records, gzip CRC; CIFAR:
     * inflated or measured length) without keeping their records.
     */
    public static DataLayout probe(SearchConfig.Data cfg, DataFiles files) throws IOException {
        String name;
        int channels;
        int height;
        int width;
        long records;
        if (cfg.isCifar()) {
            CifarVariant variant = variant(cfg);
            records = 0;
            for (String f : cfg.cifarFiles()) {
                long size;
                try (java.io.InputStream in = DataStreams.open(files.open(f))) {
                    size = DataStreams.skip(in, Long.MAX_VALUE); // seeks on raw files, inflates gzip ones
                }
                if (size % variant.recordBytes() != 0) {
                    throw new CorruptDataException(f + ": " + size + " bytes is not a whole number of "
                            + variant.recordBytes() + "-byte " + variant.displayName()
                            + " records; re-download or re-extract it, and check data.format");
                }
                records += size / variant.recordBytes();
            }
            name = cfg.format();
            channels = 3;
            height = 32;
            width = 32;
        } else {
            // each file read whole once, here on the driver: damage anywhere fails before the first step
            int[] dims = IdxReader.verify(files.open(cfg.trainImages()));
            if (dims.length != 3) {
                throw new CorruptDataException(cfg.trainImages() + ": an image file needs 3 dimensions "
                        + "(records, rows, columns), this one has " + dims.length + "; is it a labels file?");
            }
            int[] labelDims = IdxReader.verify(files.open(cfg.trainLabels()));
            if (labelDims.length != 1 || labelDims[0] != dims[0]) {
                throw new CorruptDataException(cfg.trainLabels() + ": a labels file for the " + dims[0] + " images of "
                        + cfg.trainImages() + " needs 1 dimension of " + dims[0] + ", this one has "
                        + java.util.Arrays.toString(labelDims) + "; are data.train-images and data.train-labels a pair?");
            }
            records = dims[0];
            name = fileName(cfg.trainImages());
            channels = 1;
            height = dims[1];
            width = dims[2];
        }
        if (cfg.limit() > records) {
            throw new ConfigException("sparknas.data.limit", "sparknas.data.limit = " + cfg.limit() + " but "
                    + (cfg.isCifar() ? cfg.cifarFiles() : cfg.trainImages()) + " holds " + records
                    + " records: lower data.limit (0 = all)");
        }
        // what a reader would reject on an executor is rejected here, on the driver, naming the key
        if (cfg.isCifar() && variant(cfg).classes() > cfg.classes()) {
            throw new ConfigException("sparknas.data.classes", "sparknas.data.classes = " + cfg.classes() + " but "
                    + cfg.format() + " has " + variant(cfg).classes() + " classes: set data.classes="
                    + variant(cfg).classes());
        }
        if (!cfg.normalize().equals("none") && Normalization.forDataset(cfg.normalize())[0].length != channels) {
            throw new ConfigException("sparknas.data.normalize", "sparknas.data.normalize = " + cfg.normalize()
                    + " has statistics for " + Normalization.forDataset(cfg.normalize())[0].length
                    + " channel(s) but the data has " + channels);
        }
        int used = cfg.limit() == 0 ? (int) Math.min(records, Integer.MAX_VALUE) : cfg.limit();
        return new DataLayout(name, channels, height, width, used, cut(used, cfg.trainPortion()));
    }

    /** The ω/α cut at ⌊portion·n⌋; both halves must be non-empty. */
    static int cut(int used, double portion) {
        int cut = (int) Math.floor(portion * used);
        if (cut < 1 || cut >= used) {
            throw new ConfigException("sparknas.data.train-portion", "sparknas.data.train-portion = " + portion
                    + " leaves an empty half of " + used + " records: use more data (data.limit) or a portion nearer 0.5");
        }
        return cut;
    }

    static CifarVariant variant(SearchConfig.Data cfg) {
        return cfg.format().equals("cifar100") ? CifarVariant.CIFAR100 : CifarVariant.CIFAR10;
    }

    private static String fileName(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }
}
