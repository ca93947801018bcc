/**
 * The fidelity study ({@code sparknas fidelity}): every α-gradient estimator against a reference
 * hypergradient from the implicit function theorem, solved on the exact Hessian.
 */
package ai.sparknas.driver.fidelity;
