package ai.sparknas.driver.data;

/** The two CIFAR binary layouts: label bytes before the 3072 pixel bytes of each record. */
public enum CifarVariant {
    /** 1 label byte, 10 classes. */
    CIFAR10("CIFAR-10", 1, 10),
    /** 1 coarse + 1 fine label byte; the fine label (100 classes) is used. */
    CIFAR100("CIFAR-100", 2, 100);

    /** Pixel bytes per record: 3 planes (R, G, B) of 32x32, row-major. */
    public static final int PIXEL_BYTES = 3 * 32 * 32;

    private final String displayName;
    private final int labelBytes;
    private final int classes;

    CifarVariant(String displayName, int labelBytes, int classes) {
        this.displayName = displayName;
        this.labelBytes = labelBytes;
        this.classes = classes;
    }

    /** @return label bytes at the start of each record */
    public int labelBytes() {
        return labelBytes;
    }

    /** @return number of classes of the label that is used */
    public int classes() {
        return classes;
    }

    /** @return bytes per record (3073 for CIFAR-10, 3074 for CIFAR-100) */
    public int recordBytes() {
        return labelBytes + PIXEL_BYTES;
    }

    /** @return "CIFAR-10" or "CIFAR-100" */
    public String displayName() {
        return displayName;
    }
}
