/**
 * The search: the in-process gradient oracle, the DARTS step order (α step, then weight step with
 * the new α), metrics, progress and the results a run writes.
 */
package ai.sparknas.driver.search;
