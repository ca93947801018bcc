package ai.sparknas.driver.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.sparknas.driver.config.SearchConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver's probe reads both IDX files whole: damage anywhere, or a mismatched pair, fails before the first step. */
class DataLayoutTest {

    @TempDir
    Path dir;

    private static SearchConfig.Data cfg(Path images, Path labels) {
        return SearchConfig.load(null, List.of("data.train-images=" + images, "data.train-labels=" + labels,
                "data.normalize=none")).data();
    }

    @Test
    void aGoodPairGivesItsLayout() throws IOException {
        Path img = TestFiles.write(dir, "img.gz", TestFiles.gzip(TestFiles.idxImages(8, 4, 5)));
        Path lbl = TestFiles.write(dir, "lbl.gz", TestFiles.gzip(TestFiles.idxLabels(8)));
        DataLayout l = DataLayout.probe(cfg(img, lbl), DataFiles.LOCAL);
        assertEquals(8, l.used());
        assertEquals(4, l.height());
        assertEquals(5, l.width());
    }

    @Test
    void damagedGzipTrailerIsFoundByTheProbe() throws IOException {
        byte[] gz = TestFiles.gzip(TestFiles.idxImages(8, 4, 5));
        gz[gz.length - 6] ^= 0x10;
        Path img = TestFiles.write(dir, "img.gz", gz);
        Path lbl = TestFiles.write(dir, "lbl.gz", TestFiles.gzip(TestFiles.idxLabels(8)));
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> DataLayout.probe(cfg(img, lbl),
                DataFiles.LOCAL));
        assertTrue(e.getMessage().contains(img.toString()) && e.getMessage().contains("damaged gzip"), e.getMessage());
    }

    @Test
    void labelsOfAnotherCountAreRefusedNamingBothFiles() throws IOException {
        Path img = TestFiles.write(dir, "img", TestFiles.idxImages(8, 4, 5));
        Path lbl = TestFiles.write(dir, "lbl", TestFiles.idxLabels(7));
        CorruptDataException e = assertThrows(CorruptDataException.class, () -> DataLayout.probe(cfg(img, lbl),
                DataFiles.LOCAL));
        assertTrue(e.getMessage().contains(lbl.toString()) && e.getMessage().contains(img.toString())
                && e.getMessage().contains("a pair"), e.getMessage());
    }
}
