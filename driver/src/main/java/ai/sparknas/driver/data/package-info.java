/**
 * Training data for the architecture search: in-memory labelled image sets and readers for the
 * binary formats the search uses (MNIST / Fashion-MNIST IDX, CIFAR-10 / CIFAR-100 binary batches),
 * plus per-channel standardisation and the DARTS crop/flip augmentation.
 *
 * <p>Everything here is plain JDK code. Readers take {@link ai.sparknas.driver.data.InputStreamSupplier}s so
 * that a distributed file-system layer can feed them streams without this package depending on it.
 * Malformed input is reported as {@link ai.sparknas.driver.data.CorruptDataException} with a message that
 * names the input, says what is wrong and how to fix it.
 */
package ai.sparknas.driver.data;
