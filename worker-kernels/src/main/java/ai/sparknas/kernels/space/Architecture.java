package ai.sparknas.kernels.space;

import java.util.List;

/**
 * A derived network to train from scratch (DARTS {@code model.py} NetworkCIFAR): a 3×3 stem to
 * {@code 3C} channels with BatchNorm, L cells (cells ⌊L/3⌋ and ⌊2L/3⌋ reduce: stride 2 on the edges
 * from the cell inputs, channels doubled), global average pooling and a linear classifier; with
 * {@code auxiliary}, an auxiliary head after cell ⌊2L/3⌋ during training.
 *
 * @param cells      the L cells, in order (a per-type genotype repeats its normal and reduction cell)
 * @param channels   initial channels C (even)
 * @param inChannels image channels
 * @param height     image height (divisible by 4)
 * @param width      image width (divisible by 4)
 * @param classes    classes of the classifier
 * @param auxiliary  whether the network has the auxiliary head
 */
public record Architecture(List<DiscreteCell> cells, int channels, int inChannels, int height, int width, int classes,
                           boolean auxiliary) {

    /** @throws IllegalArgumentException naming what does not fit */
    public Architecture {
        cells = List.copyOf(cells);
        if (cells.size() < 3) {
            throw new IllegalArgumentException("an architecture needs at least 3 cells (two of them reduce), got "
                    + cells.size());
        }
        if (channels < 2 || channels % 2 != 0) {
            throw new IllegalArgumentException("channels must be an even number >= 2, got " + channels);
        }
        if (inChannels < 1 || classes < 2) {
            throw new IllegalArgumentException("needs >= 1 input channel and >= 2 classes, got " + inChannels + " and "
                    + classes);
        }
        if (height % 4 != 0 || width % 4 != 0 || height < 4 || width < 4) {
            throw new IllegalArgumentException("input height and width must be divisible by 4 (two stride-2"
                    + " reductions), got " + height + "x" + width);
        }
    }

    /** The network of a per-type genotype: every normal cell is {@code normal}, both reduction cells {@code reduce}. */
    public static Architecture repeat(DiscreteCell normal, DiscreteCell reduce, int layers, int channels,
                                      int inChannels, int height, int width, int classes, boolean auxiliary) {
        List<DiscreteCell> cells = new java.util.ArrayList<>();
        for (int i = 0; i < layers; i++) {
            cells.add(isReduction(i, layers) ? reduce : normal);
        }
        return new Architecture(cells, channels, inChannels, height, width, classes, auxiliary);
    }

    public int layers() {
        return cells.size();
    }

    /** Whether cell {@code i} reduces: {@code i ∈ {⌊L/3⌋, ⌊2L/3⌋}}. */
    public boolean isReduction(int cell) {
        return isReduction(cell, cells.size());
    }

    private static boolean isReduction(int cell, int layers) {
        return cell == layers / 3 || cell == 2 * layers / 3;
    }

    /** The cell after which the auxiliary head reads: ⌊2L/3⌋. */
    public int auxiliaryCell() {
        return 2 * cells.size() / 3;
    }
}
