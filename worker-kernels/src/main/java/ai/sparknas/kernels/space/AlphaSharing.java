package ai.sparknas.kernels.space;

/** How architecture parameters are shared between cells. */
public enum AlphaSharing {
    /** One α for all normal cells and one for all reduction cells (DARTS). */
    PER_TYPE,
    /** One α per cell: the larger search space of the amended-DARTS paper, section 6. */
    PER_CELL
}
