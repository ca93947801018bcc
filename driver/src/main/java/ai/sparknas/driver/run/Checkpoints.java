package ai.sparknas.driver.run;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * {@code <run>/checkpoints/ckpt-<global step>.bin}: each written atomically, read back and verified
 * before the older ones beyond the newest {@code keep} are deleted. Loading takes the newest one
 * that verifies and says which ones it had to skip.
 */
public final class Checkpoints {

    static final String DIR = "checkpoints";
    private static final Pattern NAME = Pattern.compile("ckpt-\\d{9,}\\.bin");

    private final RunStorage storage;
    private final int keep;

    public Checkpoints(RunStorage storage, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("checkpoint.keep must be >= 1, got " + keep);
        }
        this.storage = storage;
        this.keep = keep;
    }

    /** Writes {@code c}, verifies it and prunes; returns its path. */
    public String write(Checkpoint c) throws IOException {
        String name = DIR + "/" + String.format("ckpt-%09d.bin", c.globalStep());
        storage.writeAtomically(name, CheckpointCodec.encode(c));
        CheckpointCodec.decode(storage.read(name), storage.describe(name)); // verify before pruning older ones
        List<String> names = newestFirst();
        for (int i = keep; i < names.size(); i++) {
            storage.delete(DIR + "/" + names.get(i));
        }
        for (String other : storage.list(DIR)) {
            if (other.startsWith(".ckpt-") && other.endsWith(".tmp")) {
                storage.delete(DIR + "/" + other); // left behind by a process killed mid-write
            }
        }
        return storage.describe(name);
    }

    /** Checkpoint file names, newest (highest step) first. */
    public List<String> newestFirst() throws IOException {
        List<String> names = new ArrayList<>();
        for (String n : storage.list(DIR)) {
            if (NAME.matcher(n).matches()) {
                names.add(n);
            }
        }
        names.sort(Comparator.comparingLong(Checkpoints::stepOf).reversed());
        return names;
    }

    /**
     * The newest checkpoint that verifies; {@code warn} hears about each newer one that did not.
     * Empty when there is none at all; an error when there are some but none verifies (a resume
     * never silently starts from scratch).
     */
    public Optional<Checkpoint> loadNewest(Consumer<String> warn) throws IOException {
        List<String> names = newestFirst();
        List<String> problems = new ArrayList<>();
        for (String n : names) {
            String path = DIR + "/" + n;
            try {
                Checkpoint c = CheckpointCodec.decode(storage.read(path), storage.describe(path));
                if (!problems.isEmpty()) {
                    warn.accept("resuming from the older checkpoint " + storage.describe(path));
                }
                return Optional.of(c);
            } catch (CorruptCheckpointException e) {
                problems.add(e.getMessage());
                warn.accept("skipping an unusable checkpoint: " + e.getMessage());
                if (problems.size() < names.size()) { // set it aside so pruning never keeps it over good ones
                    storage.writeAtomically(path + ".corrupt", storage.read(path));
                    storage.delete(path);
                }
            }
        }
        if (!names.isEmpty()) {
            throw new CorruptCheckpointException("none of the " + names.size() + " checkpoint(s) in "
                    + storage.describe(DIR) + " is usable (" + String.join("; ", problems) + "): the run cannot be"
                    + " resumed; start it again under a new run.id");
        }
        return Optional.empty();
    }

    private static long stepOf(String name) {
        return Long.parseLong(name.substring(5, name.length() - 4));
    }
}
