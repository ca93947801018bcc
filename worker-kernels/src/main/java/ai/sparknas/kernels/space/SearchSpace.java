package ai.sparknas.kernels.space;

import java.util.ArrayList;
import java.util.List;

/**
 * The DARTS CNN search space, parameterised.
 *
 * <p>Cell {@code i} reduces when {@code i ∈ {⌊L/3⌋, ⌊2L/3⌋}}; a reduction doubles the channels and
 * uses stride 2 on the edges leaving the two cell inputs. Edge (node i, predecessor j) owns α row
 * {@code i(i+3)/2 + j}.
 *
 * @param ops         candidate operations, in α column order
 * @param nodes       intermediate nodes per cell
 * @param layers      cells L
 * @param channels    initial channels C
 * @param inChannels  input image channels
 * @param height      input height
 * @param width       input width
 * @param classes     output classes
 * @param sharing     α sharing between cells
 */
public record SearchSpace(List<Primitive> ops, int nodes, int layers, int channels, int inChannels,
                          int height, int width, int classes, AlphaSharing sharing) {

    /** The stem widens the input to {@code STEM_MULTIPLIER · C} channels, as in DARTS. */
    public static final int STEM_MULTIPLIER = 3;

    public SearchSpace {
        ops = List.copyOf(ops);
        require(!ops.isEmpty(), "search.ops", "must list at least one operation");
        require(ops.stream().distinct().count() == ops.size(), "search.ops", "lists an operation twice: " + ops);
        require(nodes >= 1, "search.nodes", "must be >= 1, got " + nodes);
        require(layers >= 3, "search.layers",
                "must be >= 3 so that normal and reduction cells both appear (cells ⌊L/3⌋ and ⌊2L/3⌋ reduce), got " + layers);
        require(channels >= 2 && channels % 2 == 0, "search.channels",
                "must be an even number >= 2 (FactorizedReduce halves it), got " + channels);
        require(inChannels >= 1, "data input channels", "must be >= 1, got " + inChannels);
        require(classes >= 2, "data classes", "must be >= 2, got " + classes);
        // FactorizedReduce pairs two stride-2 grids offset by one pixel: both reductions need even sides
        require(height % 4 == 0 && width % 4 == 0 && height >= 4 && width >= 4, "data input size",
                "must have height and width divisible by 4 (two stride-2 reductions), got " + height + "x" + width);
    }

    /** The DARTS space with the 8 default primitives and 4 nodes. */
    public static SearchSpace darts(int layers, int channels, int inChannels, int height, int width,
                                    int classes, AlphaSharing sharing) {
        return new SearchSpace(List.of(Primitive.values()), 4, layers, channels, inChannels, height, width,
                classes, sharing);
    }

    /** Mixed edges per cell: {@code Σ_{i<nodes} (i + 2)}. */
    public int edgesPerCell() {
        return nodes * (nodes + 3) / 2;
    }

    /** α row of the edge from predecessor {@code j} into node {@code i}. */
    public static int edgeRow(int node, int predecessor) {
        return node * (node + 3) / 2 + predecessor;
    }

    /** Whether cell {@code i} is a reduction cell. */
    public boolean isReduction(int cell) {
        return cell == layers / 3 || cell == 2 * layers / 3;
    }

    /** Names of the α blocks, in the order they are laid out in the flat α vector. */
    public List<String> alphaBlocks() {
        List<String> names = new ArrayList<>();
        if (sharing == AlphaSharing.PER_TYPE) {
            names.add("alpha_normal");
            names.add("alpha_reduce");
        } else {
            for (int i = 0; i < layers; i++) {
                names.add("alpha_cell" + i);
            }
        }
        return names;
    }

    /** Index into {@link #alphaBlocks()} of the α used by cell {@code i}. */
    public int alphaBlockOf(int cell) {
        return sharing == AlphaSharing.PER_TYPE ? (isReduction(cell) ? 1 : 0) : cell;
    }

    /** Whether α block {@code b} belongs to reduction cells. */
    public boolean isReductionBlock(int block) {
        return sharing == AlphaSharing.PER_TYPE ? block == 1 : isReduction(block);
    }

    public int indexOf(Primitive p) {
        return ops.indexOf(p);
    }

    private static void require(boolean ok, String key, String message) {
        if (!ok) {
            throw new IllegalArgumentException(key + " " + message);
        }
    }
}
