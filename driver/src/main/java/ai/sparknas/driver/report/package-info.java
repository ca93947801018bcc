/**
 * The {@code report} command: a run directory turned into one self-contained {@code report.html}
 * (α heat-maps and trajectories, loss/accuracy curves with super-net vs sub-net, skip counts, cell
 * drawings) plus the cells as SVG and DOT files.
 */
package ai.sparknas.driver.report;
