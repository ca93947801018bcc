package ai.sparknas.driver.report;

import ai.sparknas.driver.genotype.Genotype;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.eclipse.elk.alg.layered.options.LayeredMetaDataProvider;
import org.eclipse.elk.alg.layered.options.LayeredOptions;
import org.eclipse.elk.core.RecursiveGraphLayoutEngine;
import org.eclipse.elk.core.data.LayoutMetaDataService;
import org.eclipse.elk.core.options.CoreOptions;
import org.eclipse.elk.core.options.Direction;
import org.eclipse.elk.core.options.EdgeLabelPlacement;
import org.eclipse.elk.core.util.BasicProgressMonitor;
import org.eclipse.elk.graph.ElkBendPoint;
import org.eclipse.elk.graph.ElkEdge;
import org.eclipse.elk.graph.ElkEdgeSection;
import org.eclipse.elk.graph.ElkLabel;
import org.eclipse.elk.graph.ElkNode;
import org.eclipse.elk.graph.util.ElkGraphUtil;

/**
 * One cell of a genotype as a graph: inputs c_{k-2} and c_{k-1}, the intermediate nodes, and the
 * output c_{k} that concatenates them; one labelled edge per kept (input, op). Laid out by the Eclipse
 * Layout Kernel's layered algorithm (left to right, as quark0/darts draws cells with graphviz) and
 * written as SVG; the same graph is also written as DOT for graphviz users.
 */
public final class CellDrawing {

    private static final double CHAR_WIDTH = 7.0;
    private static final double LABEL_HEIGHT = 14;
    private static final double NODE_HEIGHT = 32;

    static {
        LayoutMetaDataService.getInstance().registerLayoutMetaDataProviders(new LayeredMetaDataProvider());
    }

    private CellDrawing() {
    }

    /** Node names: c_{k-2}, c_{k-1}, 0 .. n-1, c_{k}. */
    static List<String> nodeNames(int nodes) {
        List<String> names = new ArrayList<>(List.of("c_{k-2}", "c_{k-1}"));
        for (int i = 0; i < nodes; i++) {
            names.add(String.valueOf(i));
        }
        names.add("c_{k}");
        return names;
    }

    /** The cell as SVG; {@code title} is shown above it. */
    public static String svg(Genotype g, boolean reduce, String title) {
        List<Genotype.Edge> edges = g.edges(reduce);
        int nodes = edges.size() / 2;
        List<String> names = nodeNames(nodes);
        ElkNode root = ElkGraphUtil.createGraph();
        root.setProperty(CoreOptions.ALGORITHM, LayeredOptions.ALGORITHM_ID);
        root.setProperty(CoreOptions.DIRECTION, Direction.RIGHT);
        root.setProperty(CoreOptions.EDGE_LABELS_PLACEMENT, EdgeLabelPlacement.CENTER);
        root.setProperty(LayeredOptions.SPACING_NODE_NODE_BETWEEN_LAYERS, 70.0);
        root.setProperty(LayeredOptions.SPACING_NODE_NODE, 30.0);
        root.setProperty(CoreOptions.PADDING, new org.eclipse.elk.core.math.ElkPadding(20));
        List<ElkNode> elk = new ArrayList<>();
        for (String n : names) {
            ElkNode node = ElkGraphUtil.createNode(root);
            node.setIdentifier(n);
            node.setDimensions(Math.max(40, n.length() * CHAR_WIDTH + 16), NODE_HEIGHT);
            elk.add(node);
        }
        List<ElkEdge> elkEdges = new ArrayList<>();
        for (int i = 0; i < edges.size(); i++) {
            ElkEdge e = ElkGraphUtil.createSimpleEdge(elk.get(edges.get(i).input()), elk.get(2 + i / 2));
            ElkLabel l = ElkGraphUtil.createLabel(edges.get(i).op(), e);
            l.setDimensions(edges.get(i).op().length() * CHAR_WIDTH, LABEL_HEIGHT);
            elkEdges.add(e);
        }
        for (int i = 0; i < nodes; i++) {
            elkEdges.add(ElkGraphUtil.createSimpleEdge(elk.get(2 + i), elk.get(names.size() - 1)));
        }
        new RecursiveGraphLayoutEngine().layout(root, new BasicProgressMonitor());

        StringBuilder s = new StringBuilder();
        double width = root.getWidth();
        double height = root.getHeight() + 24;
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"cell\" data-cell=\"%s\" "
                + "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">%n",
                reduce ? "reduce" : "normal", width, height, width, height));
        s.append("<defs><marker id=\"arrow-").append(reduce ? "reduce" : "normal")
                .append("\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">"
                        + "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#444\"/></marker></defs>\n");
        s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"16\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
                escape(title)));
        s.append("<g transform=\"translate(0,24)\">\n");
        for (ElkEdge e : elkEdges) {
            ElkEdgeSection sec = e.getSections().get(0);
            StringBuilder pts = new StringBuilder();
            pts.append(fmt(sec.getStartX())).append(',').append(fmt(sec.getStartY()));
            for (ElkBendPoint b : sec.getBendPoints()) {
                pts.append(' ').append(fmt(b.getX())).append(',').append(fmt(b.getY()));
            }
            pts.append(' ').append(fmt(sec.getEndX())).append(',').append(fmt(sec.getEndY()));
            s.append("<g class=\"edge\"");
            if (!e.getLabels().isEmpty()) {
                s.append(" data-op=\"").append(escape(e.getLabels().get(0).getText())).append('"');
            }
            s.append(" data-from=\"").append(escape(ElkGraphUtil.connectableShapeToNode(e.getSources().get(0)).getIdentifier()))
                    .append("\" data-to=\"").append(escape(ElkGraphUtil.connectableShapeToNode(e.getTargets().get(0)).getIdentifier()))
                    .append("\"><polyline fill=\"none\" stroke=\"#444\" stroke-width=\"1.3\" points=\"").append(pts)
                    .append("\" marker-end=\"url(#arrow-").append(reduce ? "reduce" : "normal").append(")\"/>");
            for (ElkLabel l : e.getLabels()) {
                s.append(String.format(Locale.ROOT, "<text class=\"op\" x=\"%s\" y=\"%s\" fill=\"#1a5fb4\">%s</text>",
                        fmt(l.getX()), fmt(l.getY() + LABEL_HEIGHT - 3), escape(l.getText())));
            }
            s.append("</g>\n");
        }
        for (ElkNode n : elk) {
            boolean io = n.getIdentifier().startsWith("c_");
            s.append(String.format(Locale.ROOT, "<g class=\"node\" data-name=\"%s\"><rect x=\"%s\" y=\"%s\" width=\"%s\" "
                            + "height=\"%s\" rx=\"6\" fill=\"%s\" stroke=\"#333\"/><text x=\"%s\" y=\"%s\" text-anchor=\"middle\">%s</text></g>%n",
                    escape(n.getIdentifier()), fmt(n.getX()), fmt(n.getY()), fmt(n.getWidth()), fmt(n.getHeight()),
                    io ? "#e8f0e0" : "#fff6d5", fmt(n.getX() + n.getWidth() / 2), fmt(n.getY() + n.getHeight() / 2 + 4),
                    escape(n.getIdentifier())));
        }
        s.append("</g>\n</svg>\n");
        return s.toString();
    }

    /** The same cell in graphviz DOT (quark0/darts' visualize.py layout: left to right). */
    public static String dot(Genotype g, boolean reduce) {
        List<Genotype.Edge> edges = g.edges(reduce);
        int nodes = edges.size() / 2;
        List<String> names = nodeNames(nodes);
        StringBuilder s = new StringBuilder("digraph ").append(reduce ? "reduce" : "normal").append(" {\n")
                .append("  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#fff6d5\"];\n");
        s.append("  \"c_{k-2}\" [fillcolor=\"#e8f0e0\"];\n  \"c_{k-1}\" [fillcolor=\"#e8f0e0\"];\n")
                .append("  \"c_{k}\" [fillcolor=\"#e8f0e0\"];\n");
        for (int i = 0; i < edges.size(); i++) {
            s.append("  \"").append(names.get(edges.get(i).input())).append("\" -> \"").append(i / 2)
                    .append("\" [label=\"").append(edges.get(i).op()).append("\"];\n");
        }
        for (int i = 0; i < nodes; i++) {
            s.append("  \"").append(i).append("\" -> \"c_{k}\";\n");
        }
        return s.append("}\n").toString();
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
