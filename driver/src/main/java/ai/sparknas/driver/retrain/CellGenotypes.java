package ai.sparknas.driver.retrain;

import ai.sparknas.driver.config.ConfigException;
import ai.sparknas.driver.genotype.Genotype;
import ai.sparknas.driver.genotype.GenotypeFormat;
import ai.sparknas.driver.genotype.Genotypes;
import ai.sparknas.kernels.space.Architecture;
import ai.sparknas.kernels.space.DiscreteCell;
import ai.sparknas.kernels.space.Primitive;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a re-training trains: either a per-type genotype (one normal and one reduction cell, repeated
 * over the L cells, as DARTS) or one genotype cell per network cell (from a per-cell α search, given
 * as JSON {@code {"cells": [{"edges": [{"op": .., "input": ..}, ..], "concat": [..]}, ..]}}).
 *
 * @param perType the per-type genotype, or null
 * @param cells   the per-cell cells, or null
 * @param text    the genotype as text: DARTS text, or the per-cell JSON on one line
 */
public record CellGenotypes(Genotype perType, List<Cell> cells, String text) {

    private static final String KEY = "sparknas.retrain.genotype";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One cell of a per-cell genotype. */
    public record Cell(List<Genotype.Edge> edges, List<Integer> concat) {
    }

    /** A per-type genotype. */
    public static CellGenotypes of(Genotype g) {
        return new CellGenotypes(g, null, GenotypeFormat.toDartsText(g));
    }

    /**
     * Resolves {@code retrain.genotype}: a published name ({@code DARTS_V2}), DARTS text, or the path of a
     * {@code genotype.txt} (DARTS text) or JSON file (a search's {@code genotype.json}, or per-cell JSON).
     *
     * @throws ConfigException naming {@code retrain.genotype} when the value is none of these or does not parse
     */
    public static CellGenotypes resolve(String spec) {
        if (spec.isBlank()) {
            throw new ConfigException(KEY, KEY + " is empty: give a genotype as DARTS text, a published name (DARTS_V1,"
                    + " DARTS_V2, DARTS), a genotype.txt/genotype.json file, or use --from RUN_DIR of a finished search");
        }
        if (spec.matches("[A-Z][A-Z0-9_]*")) {
            try {
                return of(Genotypes.byName(spec));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(KEY, KEY + " = " + spec + ": " + e.getMessage(), e);
            }
        }
        String trimmed = spec.trim();
        if (trimmed.contains("Genotype(") || trimmed.startsWith("{")) {
            return parse(trimmed, KEY + " (given as text)");
        }
        Path file = Path.of(spec);
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(KEY, KEY + " = " + spec + " is neither DARTS text (\"Genotype(normal=[...], ...)\"),"
                    + " a published name (DARTS_V1, DARTS_V2, DARTS) nor a readable genotype file");
        }
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8).trim(), file.toString());
        } catch (IOException e) {
            throw new ConfigException(KEY, "cannot read the genotype file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The genotype of a finished search run directory: its {@code genotype.json}. */
    public static CellGenotypes fromRun(Path runDir) throws IOException {
        Path json = runDir.resolve("genotype.json");
        if (!Files.isDirectory(runDir)) {
            throw new java.nio.file.NoSuchFileException(runDir.toString(), null,
                    "no such search run directory: give --from <run.output>/<run.id> of a search");
        }
        if (!Files.isRegularFile(json)) {
            throw new java.nio.file.NoSuchFileException(json.toString(), null, "the search in " + runDir + " has not"
                    + " finished (no genotype.json): resume it until it writes its genotype, or pass a genotype with"
                    + " retrain.genotype");
        }
        return parse(Files.readString(json, StandardCharsets.UTF_8).trim(), json.toString());
    }

    /** The genotype of its {@link #text()} (what a Spark executor rebuilds it from). */
    public static CellGenotypes ofText(String text) {
        return parse(text, "the genotype text");
    }

    /** DARTS text, a search's genotype JSON or per-cell JSON; {@code where} names the source in errors. */
    static CellGenotypes parse(String text, String where) {
        try {
            if (!text.startsWith("{")) {
                return of(GenotypeFormat.parseDartsText(text));
            }
            JsonNode root = JSON.readTree(text);
            if (root != null && root.has("cells")) {
                return perCell(root.get("cells"));
            }
            return of(GenotypeFormat.fromJson(text));
        } catch (IOException | IllegalArgumentException e) {
            String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage()
                    : e.getMessage();
            throw new ConfigException(KEY, KEY + ": cannot read the genotype in " + where + ": " + why, e);
        }
    }

    private static CellGenotypes perCell(JsonNode cells) {
        if (!cells.isArray() || cells.isEmpty()) {
            throw new IllegalArgumentException("'cells' must be a non-empty array of {\"edges\": [...], \"concat\": [...]}");
        }
        List<Cell> out = new ArrayList<>();
        for (int i = 0; i < cells.size(); i++) {
            JsonNode c = cells.get(i);
            // a cell has the shape of one half of a search genotype: reuse its reader
            Genotype g;
            try {
                com.fasterxml.jackson.databind.node.ObjectNode o = JSON.createObjectNode();
                o.set("normal", c.path("edges"));
                o.set("normal_concat", c.path("concat"));
                o.set("reduce", JSON.createArrayNode());
                o.set("reduce_concat", JSON.createArrayNode());
                g = GenotypeFormat.fromJson(o.toString());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("cells[" + i + "]: " + e.getMessage().replace("normal_concat", "concat")
                        .replace("normal", "edges"), e);
            }
            out.add(new Cell(g.normal(), g.normalConcat()));
        }
        com.fasterxml.jackson.databind.node.ObjectNode root = JSON.createObjectNode();
        root.set("cells", cells);
        return new CellGenotypes(null, out, root.toString());
    }

    /** Cells of the genotype: 2 per node of the repeated cells, or the per-cell list's. */
    public int perCellCount() {
        return cells == null ? 0 : cells.size();
    }

    /**
     * The evaluation network of this genotype with L cells of initial width C.
     *
     * @throws ConfigException naming {@code retrain.genotype} (or {@code retrain.layers}) for an unknown op,
     *                         an input out of range, an odd number of entries or a per-cell list of the wrong length
     */
    public Architecture architecture(int layers, int channels, int inChannels, int height, int width, int classes,
                                     boolean auxiliary) {
        try {
            if (perType != null) {
                return Architecture.repeat(cell(perType.normal(), perType.normalConcat(), "normal"),
                        cell(perType.reduce(), perType.reduceConcat(), "reduce"), layers, channels, inChannels, height,
                        width, classes, auxiliary);
            }
            if (cells.size() != layers) {
                throw new ConfigException("sparknas.retrain.layers", "the per-cell genotype has " + cells.size()
                        + " cells but the network has " + layers + " (retrain.layers, 0 = the search's): set"
                        + " retrain.layers=" + cells.size());
            }
            List<DiscreteCell> list = new ArrayList<>();
            for (int i = 0; i < cells.size(); i++) {
                list.add(cell(cells.get(i).edges(), cells.get(i).concat(), "cells[" + i + "]"));
            }
            return new Architecture(list, channels, inChannels, height, width, classes, auxiliary);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(KEY, KEY + ": the genotype does not describe a network: " + e.getMessage(), e);
        }
    }

    private static DiscreteCell cell(List<Genotype.Edge> edges, List<Integer> concat, String which) {
        List<Primitive> ops = new ArrayList<>();
        List<Integer> inputs = new ArrayList<>();
        for (Genotype.Edge e : edges) {
            try {
                ops.add(Primitive.fromName(e.op()));
            } catch (IllegalArgumentException x) {
                throw new IllegalArgumentException(which + " cell: " + x.getMessage(), x);
            }
            inputs.add(e.input());
        }
        try {
            return new DiscreteCell(ops, inputs, concat);
        } catch (IllegalArgumentException x) {
            throw new IllegalArgumentException(which + " cell: " + x.getMessage(), x);
        }
    }
}
