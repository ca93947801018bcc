/**
 * DARTS cell genotypes: the discrete architecture read off the continuous
 * architecture weights (α) at the end of an amended-DARTS search.
 *
 * <ul>
 *   <li>{@link ai.sparknas.driver.genotype.Genotype} – immutable value type (normal/reduce edges and concat lists).</li>
 *   <li>{@link ai.sparknas.driver.genotype.GenotypeDerivation} – the DARTS {@code _parse} rule: α → genotype.</li>
 *   <li>{@link ai.sparknas.driver.genotype.GenotypeFormat} – DARTS Python namedtuple text and JSON, both directions.</li>
 *   <li>{@link ai.sparknas.driver.genotype.Genotypes} – published genotypes (DARTS_V1, DARTS_V2) and small helpers.</li>
 * </ul>
 */
package ai.sparknas.driver.genotype;
