package ai.sparknas.kernels.grad;

/** Which of the step's two batches: weight ("train") data or α ("val") data. */
public enum Split { TRAIN, VAL }
