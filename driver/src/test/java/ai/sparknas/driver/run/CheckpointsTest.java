package ai.sparknas.driver.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsTest {

    @TempDir
    Path dir;

    static Checkpoint sample(long step) {
        double[] w = new double[100];
        for (int i = 0; i < w.length; i++) {
            w[i] = Math.sin(i + step);
        }
        return new Checkpoint("sparknas { run { seed = 2 } }", "space", 2, (int) step / 10, (int) step % 10, step,
                step + 3, new double[] {1.5, 0.25, 2.5, 0.125}, w, new double[] {step, -0.5}, null, 0,
                new double[] {0.1, 0.2}, new double[] {0.3, 0.4}, step);
    }

    @Test
    void roundTripsExactly() throws Exception {
        Checkpoint c = sample(17);
        Checkpoint back = CheckpointCodec.decode(CheckpointCodec.encode(c), "x");
        assertEquals(c.configHocon(), back.configHocon());
        assertEquals(c.space(), back.space());
        assertEquals(List.of(c.partitions(), c.epoch(), c.step(), c.globalStep(), c.metricsLines(), c.adamT()),
                List.of(back.partitions(), back.epoch(), back.step(), back.globalStep(), back.metricsLines(), back.adamT()));
        assertArrayEquals(c.weights(), back.weights(), 0.0);
        assertArrayEquals(c.alpha(), back.alpha(), 0.0);
        assertArrayEquals(c.epochSums(), back.epochSums(), 0.0);
        assertArrayEquals(c.adamV(), back.adamV(), 0.0);
        assertNull(back.momentum());
    }

    @Test
    void truncatedOrFlippedFilesAreRejected() {
        byte[] good = CheckpointCodec.encode(sample(3));
        for (int cut : new int[] {0, 10, good.length / 2, good.length - 1}) {
            byte[] bad = java.util.Arrays.copyOf(good, cut);
            CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class,
                    () -> CheckpointCodec.decode(bad, "ckpt.bin"));
            assertTrue(e.getMessage().startsWith("ckpt.bin: "), e.getMessage());
        }
        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 0x10;
        CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class,
                () -> CheckpointCodec.decode(flipped, "ckpt.bin"));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    }

    @Test
    void keepsTheNewestAndFallsBackPastACorruptOne() throws Exception {
        LocalRunStorage storage = new LocalRunStorage(dir);
        Checkpoints ck = new Checkpoints(storage, 2);
        for (long s : new long[] {5, 10, 15}) {
            ck.write(sample(s));
        }
        assertEquals(List.of("ckpt-000000015.bin", "ckpt-000000010.bin"), ck.newestFirst());
        List<String> warnings = new ArrayList<>();
        assertEquals(15, ck.loadNewest(warnings::add).orElseThrow().globalStep());
        assertTrue(warnings.isEmpty());

        Path newest = dir.resolve("checkpoints/ckpt-000000015.bin");
        byte[] bytes = Files.readAllBytes(newest);
        Files.write(newest, java.util.Arrays.copyOf(bytes, bytes.length - 100)); // truncated
        assertEquals(10, ck.loadNewest(warnings::add).orElseThrow().globalStep());
        assertTrue(warnings.get(0).contains("ckpt-000000015.bin") && warnings.get(0).contains("unusable"), warnings.toString());
        assertTrue(warnings.get(1).contains("older checkpoint"), warnings.toString());
        assertTrue(Files.exists(dir.resolve("checkpoints/ckpt-000000015.bin.corrupt")), "set aside, not pruned over 10");
        assertEquals(List.of("ckpt-000000010.bin"), ck.newestFirst());

        Path older = dir.resolve("checkpoints/ckpt-000000010.bin");
        byte[] b = Files.readAllBytes(older);
        b[40] ^= 1; // wrong checksum
        Files.write(older, b);
        CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class, () -> ck.loadNewest(w -> { }));
        assertTrue(e.getMessage().contains("none of the 1 checkpoint(s)") && e.getMessage().contains("new run.id"),
                e.getMessage());
        assertTrue(new Checkpoints(new LocalRunStorage(dir.resolve("empty")), 1).loadNewest(w -> { }).isEmpty());
    }
}
