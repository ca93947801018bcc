package ai.sparknas.driver.retrain;

import ai.sparknas.driver.config.SearchConfig;
import ai.sparknas.driver.data.CorruptDataException;
import ai.sparknas.driver.data.DataFiles;
import ai.sparknas.driver.data.DataLayout;
import ai.sparknas.driver.data.ImageDataset;
import ai.sparknas.driver.data.SearchData;
import java.io.IOException;

/**
 * A re-training's data: every used record of the training files (both of the search's halves:
 * {@code data.limit} records) to train on, and the held-out test files to evaluate on, standardised
 * alike. Each file is checked whole once by the probe.
 */
public record RetrainData(ImageDataset train, ImageDataset test) {

    /** Reads both from local files. */
    public static RetrainData load(SearchConfig cfg) throws IOException {
        DataLayout layout = DataLayout.probe(cfg.data(), DataFiles.LOCAL);
        ImageDataset train = SearchData.readRange(cfg.data(), DataFiles.LOCAL, layout, 0, layout.used());
        SearchConfig.Data testCfg = cfg.testData();
        DataLayout testLayout = DataLayout.probe(testCfg, DataFiles.LOCAL);
        ImageDataset test = SearchData.readRange(testCfg, DataFiles.LOCAL, testLayout, 0, testLayout.used());
        return of(train, test);
    }

    /** Checks that the two hold images of one shape. */
    public static RetrainData of(ImageDataset train, ImageDataset test) throws CorruptDataException {
        if (train.channels() != test.channels() || train.height() != test.height() || train.width() != test.width()) {
            throw new CorruptDataException("the test data " + test.name() + " holds " + test.channels() + "x"
                    + test.height() + "x" + test.width() + " images but the training data " + train.name() + " "
                    + train.channels() + "x" + train.height() + "x" + train.width()
                    + ": set data.test-images / data.cifar-test-files to the test split of the same data set");
        }
        return new RetrainData(train, test);
    }
}
