package ai.sparknas.driver.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SearchConfigTest {

    /** conf/ of the repository; the test runs in the module directory, so "../conf" by default. */
    private static Path confDir() {
        return Path.of(System.getProperty("sparknas.confDir", "../conf"));
    }

    private static ConfigException invalid(String... overrides) {
        return assertThrows(ConfigException.class, () -> SearchConfig.load(null, List.of(overrides)));
    }

    @Test
    void defaultsMatchReferenceConf() {
        SearchConfig c = SearchConfig.defaults();
        assertEquals(new SearchConfig.Run("runs", "", 2L, 10, java.time.Duration.ZERO, 0), c.run());
        assertEquals(new SearchConfig.Checkpointing(20, 3), c.checkpointing());
        assertEquals("idx", c.data().format());
        assertEquals("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", c.data().trainImages());
        assertEquals("/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz", c.data().trainLabels());
        assertEquals(List.of(), c.data().cifarFiles());
        assertEquals(0, c.data().limit());
        assertEquals(0.5, c.data().trainPortion());
        assertEquals("fashion-mnist", c.data().normalize());
        assertFalse(c.data().augment());
        assertEquals(10, c.data().classes());
        assertEquals(new SearchConfig.Search(SearchConfig.DARTS_OPS, 4, 8, 16, "per-type", 50, 64, 0, "amended"),
                c.search());
        assertEquals(14, c.search().edgesPerCell());
        assertEquals(new SearchConfig.Estimator(0.1, 0.01, 0.01, 0.01, "exact", "neumann", 5, 0.01, 0.01),
                c.estimator());
        assertEquals(new SearchConfig.Spark(0, 1, 0, 16, true), c.spark());
        assertEquals(new SearchConfig.WeightsOptim(0.025, 0.001, 0.9, 3e-4, 5.0), c.weightsOptim());
        assertEquals(new SearchConfig.AlphaOptim(3e-4, 0.5, 0.999, 1e-8, 1e-3), c.alphaOptim());
        assertEquals(0, c.compute().threads());
        assertTrue(c.compute().effectiveThreads() >= 1);
        assertEquals(3, c.monitor().skipWarningThreshold());
        assertEquals(c, SearchConfig.load(null, null));
    }

    @Test
    void overridesChangeIntStringAndListValuesAndLeaveTheRest() {
        SearchConfig c = SearchConfig.load(null, List.of("search.layers=3", "search.estimator=first-order",
                "search.ops=[none,skip_connect]", "sparknas.data.limit = 256", "run.id=my-run",
                "optim.alpha.lr=1e-3", "data.augment=true"));
        assertEquals(3, c.search().layers());
        assertEquals("first-order", c.search().estimator());
        assertEquals(List.of("none", "skip_connect"), c.search().ops());
        assertEquals(256, c.data().limit());
        assertEquals("my-run", c.run().id());
        assertEquals(1e-3, c.alphaOptim().lr());
        assertTrue(c.data().augment());
        // untouched keys keep their defaults
        assertEquals(16, c.search().channels());
        assertEquals(64, c.search().batch());
        assertEquals(0.1, c.estimator().eta());
        assertEquals(0.025, c.weightsOptim().lr());
    }

    @Test
    void estimatorKeysParseAndTakePartInEquality() {
        SearchConfig c = SearchConfig.load(null, List.of("search.estimator=implicit",
                "estimator.products=finite-difference", "estimator.implicit.method=cg", "estimator.implicit.steps=12",
                "estimator.implicit.gamma=0.005", "estimator.implicit.damping=0", "spark.min-examples-per-partition=8"));
        assertEquals("implicit", c.search().estimator());
        assertEquals(new SearchConfig.Estimator(0.1, 0.01, 0.01, 0.01, "finite-difference", "cg", 12, 0.005, 0.0),
                c.estimator());
        assertEquals(8, c.spark().minExamplesPerPartition());
        assertEquals(List.of("exact", "finite-difference"), SearchConfig.PRODUCTS);
        assertEquals(List.of("neumann", "cg"), SearchConfig.IMPLICIT_METHODS);
        assertTrue(SearchConfig.ESTIMATORS.contains("implicit"));
        // each new key changes the config's identity (digest, resume's conflict check) and survives render
        SearchConfig d = SearchConfig.defaults();
        for (String o : List.of("estimator.products=finite-difference", "estimator.implicit.method=cg",
                "estimator.implicit.steps=6", "estimator.implicit.gamma=0.02", "estimator.implicit.damping=0.1",
                "spark.min-examples-per-partition=4")) {
            SearchConfig changed = d.withOverrides(List.of(o));
            assertFalse(changed.equals(d), o);
            assertEquals(changed, SearchConfig.fromConfig(ConfigFactory.parseString(changed.render())), o);
            assertEquals(changed.hashCode(), SearchConfig.fromConfig(ConfigFactory.parseString(changed.render())).hashCode(), o);
        }
        ConfigException section = invalid("estimator.implicit=3");
        assertTrue(section.getMessage().contains("is a section"), section.getMessage());
    }

    @Test
    void laterOverrideWinsAndWithOverridesReturnsANewConfig() {
        SearchConfig a = SearchConfig.load(null, List.of("search.layers=4", "search.layers=6"));
        assertEquals(6, a.search().layers());
        SearchConfig b = a.withOverrides(List.of("search.batch=16", "search.alpha-sharing=per-cell"));
        assertEquals(6, b.search().layers());
        assertEquals(16, b.search().batch());
        assertEquals("per-cell", b.search().alphaSharing());
        assertEquals(64, a.search().batch(), "the original is unchanged");
        assertThrows(ConfigException.class, () -> a.withOverrides(List.of("search.batch=0")));
    }

    @Test
    void stringOverridesAreLiteralSoUrisSurvive() {
        SearchConfig c = SearchConfig.load(null, List.of("data.train-images=hdfs://nn:8020/d/x-idx3.gz",
                "run.output=s3a://bucket/runs"));
        assertEquals("hdfs://nn:8020/d/x-idx3.gz", c.data().trainImages());
        assertEquals("s3a://bucket/runs", c.run().output());
        SearchConfig q = SearchConfig.load(null, List.of("run.id=\"a b\""));
        assertEquals("a b", q.run().id());
    }

    @Test
    void dataDirResolvesRelativePathsOnly() {
        SearchConfig c = SearchConfig.load(null, List.of("data.format=cifar10", "data.dir=/mnt/c10/",
                "data.cifar-files=[a.bin, \"/abs/b.bin\", \"hdfs://nn/c.bin\"]", "data.normalize=cifar10"));
        assertEquals(List.of("/mnt/c10/a.bin", "/abs/b.bin", "hdfs://nn/c.bin"), c.data().cifarFiles());
        assertTrue(c.data().isCifar());
    }

    @Test
    void fashionMnistConfLoads() {
        Path f = confDir().resolve("search-fashion-mnist.conf");
        SearchConfig c = SearchConfig.load(f, List.of());
        assertEquals("idx", c.data().format());
        assertEquals("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", c.data().trainImages());
        assertEquals(512, c.data().limit());
        assertEquals(5, c.search().layers());
        assertEquals(8, c.search().channels());
        assertEquals(32, c.search().batch());
        assertEquals(3, c.search().epochs());
        assertEquals("amended", c.search().estimator());
        assertEquals(4, c.run().logEvery());
        assertEquals(0.1, c.estimator().eta(), "defaults fill the rest");
        // overrides apply on top of the file
        assertEquals(1, SearchConfig.load(f, List.of("search.epochs=1")).search().epochs());
    }

    @Test
    void cifar10ConfLoads() {
        SearchConfig c = SearchConfig.load(confDir().resolve("search-cifar10.conf"), List.of());
        assertEquals("cifar10", c.data().format());
        assertEquals(5, c.data().cifarFiles().size());
        assertEquals("/data/cifar-10-batches-bin/data_batch_1.bin", c.data().cifarFiles().get(0));
        assertEquals("/data/cifar-10-batches-bin/data_batch_5.bin", c.data().cifarFiles().get(4));
        assertEquals(0, c.data().limit());
        assertTrue(c.data().augment());
        assertEquals("cifar10", c.data().normalize());
        assertEquals(8, c.search().layers());
        assertEquals(16, c.search().channels());
        assertEquals(64, c.search().batch());
        assertEquals(50, c.search().epochs());
        assertEquals("amended", c.search().estimator());
        SearchConfig moved = SearchConfig.load(confDir().resolve("search-cifar10.conf"),
                List.of("data.dir=hdfs://nn/cifar"));
        assertEquals("hdfs://nn/cifar/data_batch_3.bin", moved.data().cifarFiles().get(2));
    }

    @Test
    void retrainConfsCarryDartsEvaluationValuesAndTheSearchsShape() {
        SearchConfig darts = SearchConfig.load(confDir().resolve("retrain-cifar10.conf"), List.of());
        var r = darts.retrain();
        assertEquals(List.of(20, 36, 600, 96, 16), List.of(r.layers(), r.channels(), r.epochs(), r.batch(), r.cutout()));
        assertEquals(0.2, r.dropPath());
        assertEquals(0.4, r.auxiliaryWeight());
        assertEquals(0.025, darts.weightsOptim().lr());
        assertEquals(0.0, darts.weightsOptim().lrMin());
        assertEquals(3e-4, darts.weightsOptim().weightDecay());
        assertEquals(5.0, darts.weightsOptim().gradClip());
        assertEquals("/data/cifar-10-batches-bin/test_batch.bin", darts.testData().cifarFiles().get(0));
        SearchConfig consistent = SearchConfig.load(confDir().resolve("retrain-cifar10-consistent.conf"), List.of());
        assertEquals(0, consistent.retrain().layers(), "0 = the search's depth");
        assertEquals(8, consistent.search().layers());
        assertEquals(16, consistent.search().channels());
        assertEquals(600, consistent.retrain().epochs(), "the rest is DARTS' evaluation");
        SearchConfig fashion = SearchConfig.load(confDir().resolve("retrain-fashion-mnist.conf"), List.of());
        SearchConfig search = SearchConfig.load(confDir().resolve("search-fashion-mnist.conf"), List.of());
        assertEquals(search.search().layers(), fashion.search().layers());
        assertEquals(search.search().channels(), fashion.search().channels());
        assertTrue(fashion.testData().trainImages().endsWith("t10k-images-idx3-ubyte.gz"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "retrain.layers=2            | sparknas.retrain.layers",
            "retrain.channels=7          | sparknas.retrain.channels",
            "retrain.drop-path=1         | sparknas.retrain.drop-path",
            "retrain.batch=1             | sparknas.retrain.batch",
            "retrain.bn-momentum=0       | sparknas.retrain.bn-momentum",
            "retrain.auxiliary-weight=-1 | sparknas.retrain.auxiliary-weight",
            "retrain.epochs=0            | sparknas.retrain.epochs"})
    void impossibleRetrainValuesNameTheirKey(String override, String key) {
        ConfigException e = assertThrows(ConfigException.class, () -> SearchConfig.load(null, List.of(override)));
        assertEquals(key, e.key());
        assertTrue(e.getMessage().startsWith(key + " = "), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "search.estimator=third-order      | sparknas.search.estimator       | third-order | first-order, second-order, amended, implicit",
            "data.format=png                   | sparknas.data.format            | png         | idx, cifar10, cifar100",
            "search.alpha-sharing=global       | sparknas.search.alpha-sharing   | global      | per-type, per-cell",
            "data.normalize=imagenet           | sparknas.data.normalize         | imagenet    | fashion-mnist",
            "search.nodes=0                    | sparknas.search.nodes           | 0           | >= 1",
            "search.layers=2                   | sparknas.search.layers          | 2           | reduction",
            "search.channels=7                 | sparknas.search.channels        | 7           | even",
            "search.channels=0                 | sparknas.search.channels        | 0           | >= 2",
            "search.epochs=0                   | sparknas.search.epochs          | 0           | >= 1",
            "search.batch=0                    | sparknas.search.batch           | 0           | must be >= 1",
            "search.steps-per-epoch=-1         | sparknas.search.steps-per-epoch | -1          | >= 0",
            "data.classes=1                    | sparknas.data.classes           | 1           | >= 2",
            "data.train-portion=1              | sparknas.data.train-portion     | 1           | < 1",
            "data.train-portion=0              | sparknas.data.train-portion     | 0           | > 0",
            "data.limit=-5                     | sparknas.data.limit             | -5          | >= 0",
            "data.limit=1                      | sparknas.data.limit             | 1           | one record",
            "optim.weights.lr=0                | sparknas.optim.weights.lr       | 0           | > 0",
            "optim.weights.lr-min=0.5          | sparknas.optim.weights.lr-min   | 0.5         | <= sparknas.optim.weights.lr",
            "optim.weights.lr-min=-1e-3        | sparknas.optim.weights.lr-min   | -1e-3       | >= 0",
            "optim.weights.momentum=1          | sparknas.optim.weights.momentum | 1           | < 1",
            "optim.weights.weight-decay=-1     | sparknas.optim.weights.weight-decay | -1      | >= 0",
            "optim.weights.grad-clip=0         | sparknas.optim.weights.grad-clip | 0          | > 0",
            "optim.alpha.lr=-3e-4              | sparknas.optim.alpha.lr         | -3e-4       | > 0",
            "optim.alpha.beta1=0               | sparknas.optim.alpha.beta1      | 0           | > 0 and < 1",
            "optim.alpha.beta2=1.5             | sparknas.optim.alpha.beta2      | 1.5         | < 1",
            "optim.alpha.eps=0                 | sparknas.optim.alpha.eps        | 0           | > 0",
            "optim.alpha.weight-decay=-0.1     | sparknas.optim.alpha.weight-decay | -0.1      | >= 0",
            "estimator.eta=-0.1                | sparknas.estimator.eta          | -0.1        | >= 0",
            "estimator.epsilon-hv=0            | sparknas.estimator.epsilon-hv   | 0           | > 0",
            "estimator.epsilon-mixed=-1        | sparknas.estimator.epsilon-mixed | -1         | > 0",
            "estimator.epsilon-unrolled=0      | sparknas.estimator.epsilon-unrolled | 0       | > 0",
            "estimator.products=r-op           | sparknas.estimator.products     | r-op        | exact, finite-difference",
            "estimator.products=Exact          | sparknas.estimator.products     | Exact       | lower case",
            "estimator.implicit.method=lbfgs   | sparknas.estimator.implicit.method | lbfgs    | neumann, cg",
            "estimator.implicit.steps=0        | sparknas.estimator.implicit.steps | 0         | >= 1",
            "estimator.implicit.steps=2.5      | sparknas.estimator.implicit.steps | 2.5       | integer",
            "estimator.implicit.gamma=0        | sparknas.estimator.implicit.gamma | 0         | > 0",
            "estimator.implicit.gamma=-0.01    | sparknas.estimator.implicit.gamma | -0.01     | > 0",
            "estimator.implicit.damping=-1e-3  | sparknas.estimator.implicit.damping | -1e-3   | >= 0",
            "spark.min-examples-per-partition=1 | sparknas.spark.min-examples-per-partition | 1 | >= 2",
            "compute.threads=-1                | sparknas.compute.threads        | -1          | >= 0",
            "run.log-every=0                   | sparknas.run.log-every          | 0           | >= 1",
            "monitor.skip-warning-threshold=-1 | sparknas.monitor.skip-warning-threshold | -1  | >= 0",
            "search.ops=[]                     | sparknas.search.ops             | []          | must not be empty",
            "search.ops=[none,conv_7x7]        | sparknas.search.ops             | conv_7x7    | sep_conv_3x3, sep_conv_5x5",
            "search.ops=[none,skip_connect,none] | sparknas.search.ops           | none        | duplicate",
            "search.ops=[none]                 | sparknas.search.ops             | none        | other than none",
            "data.train-images=\"\"            | sparknas.data.train-images      | \"\"        | idx",
            "data.format=cifar10               | sparknas.data.cifar-files       | []          | at least one",
            "search.layers=abc                 | sparknas.search.layers          | abc         | integer",
            "search.batch=2.5                  | sparknas.search.batch           | 2.5         | integer",
            "data.augment=maybe                | sparknas.data.augment           | maybe       | true or false",
    })
    void invalidValueNamesKeyValueAndRange(String override, String key, String value, String allowed) {
        ConfigException e = invalid(override);
        String m = e.getMessage();
        assertTrue(m.startsWith(key + " = "), m);
        assertTrue(m.contains(value), m);
        assertTrue(m.contains(allowed), m);
        assertEquals(key, e.key());
        if (override.startsWith(key.substring("sparknas.".length()) + "=")) {
            assertTrue(m.contains("(set in override '" + override + "')"), "names where the value came from: " + m);
        }
    }

    @Test
    void exactMessageFormat() {
        assertEquals("sparknas.search.batch = 0: must be >= 1 and <= 1000000 (set in override 'search.batch=0')",
                invalid("search.batch=0").getMessage());
    }

    @Test
    void unknownOverrideKeyIsRejectedWithSuggestion() {
        ConfigException e = invalid("search.layer=3");
        assertTrue(e.getMessage().contains("unknown key sparknas.search.layer"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean search.layers?"), e.getMessage());
        ConfigException bare = invalid("layers=3");
        assertTrue(bare.getMessage().contains("did you mean retrain.layers or search.layers?"), bare.getMessage());
        ConfigException far = invalid("completely.unrelated.thing=1");
        assertTrue(far.getMessage().contains("sparknas.completely.unrelated.thing"), far.getMessage());
        ConfigException section = invalid("search=3");
        assertTrue(section.getMessage().contains("is a section"), section.getMessage());
    }

    @Test
    void malformedOverridesAreRejected() {
        ConfigException noEq = invalid("search.layers");
        assertTrue(noEq.getMessage().contains("search.layers"), noEq.getMessage());
        assertTrue(noEq.getMessage().contains("key=value"), noEq.getMessage());
        ConfigException noKey = invalid("=3");
        assertTrue(noKey.getMessage().contains("'=3'"), noKey.getMessage());
        ConfigException badValue = invalid("search.ops=[none,");
        assertTrue(badValue.getMessage().contains("search.ops=[none,"), badValue.getMessage());
        assertThrows(ConfigException.class, () -> SearchConfig.load(null, java.util.Arrays.asList((String) null)));
    }

    @Test
    void missingFileIsNamed() {
        Path p = Path.of("no/such/dir/search.conf");
        ConfigException e = assertThrows(ConfigException.class, () -> SearchConfig.load(p, List.of()));
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
    }

    @Test
    void unknownKeyInFileIsRejectedButOtherRootsAreAllowed(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.conf");
        Files.writeString(bad, "sparknas.search.chanels = 8\n");
        ConfigException e = assertThrows(ConfigException.class, () -> SearchConfig.load(bad, List.of()));
        assertTrue(e.getMessage().contains("sparknas.search.chanels"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean search.channels?"), e.getMessage());
        assertTrue(e.getMessage().contains("bad.conf"), e.getMessage());

        Path ok = dir.resolve("ok.conf");
        Files.writeString(ok, "spark { app-name = x }\nsparknas.search.channels = 4\n");
        assertEquals(4, SearchConfig.load(ok, List.of()).search().channels());

        Path broken = dir.resolve("broken.conf");
        Files.writeString(broken, "sparknas { search { layers = \n");
        ConfigException pe = assertThrows(ConfigException.class, () -> SearchConfig.load(broken, List.of()));
        assertTrue(pe.getMessage().contains("broken.conf"), pe.getMessage());
    }

    @Test
    void invalidValueInFileNamesTheFile(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("x.conf");
        Files.writeString(f, "sparknas {\n  search {\n    estimator = second_order\n  }\n}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> SearchConfig.load(f, List.of()));
        assertTrue(e.getMessage().startsWith("sparknas.search.estimator = \"second_order\": must be one of"),
                e.getMessage());
        assertTrue(e.getMessage().contains("x.conf: 3"), e.getMessage());
    }

    @Test
    void substitutionsInFilesSeeOverrides(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("s.conf");
        Files.writeString(f, "sparknas.run.output = ${sparknas.data.dir}\"/runs\"\nsparknas.data.dir = /a\n");
        assertEquals("/a/runs", SearchConfig.load(f, List.of()).run().output());
        assertEquals("/b/runs", SearchConfig.load(f, List.of("data.dir=/b")).run().output());
    }

    @Test
    void renderRoundTrips() throws IOException {
        SearchConfig c = SearchConfig.load(confDir().resolve("search-cifar10.conf"),
                List.of("search.ops=[none,skip_connect,sep_conv_3x3]", "run.id=round trip", "optim.alpha.eps=1e-9"));
        String text = c.render();
        assertTrue(text.contains("epsilon-unrolled"), "every default is written out:\n" + text);
        assertFalse(text.contains("#"), "no comments:\n" + text);
        Config parsed = ConfigFactory.parseString(text);
        assertEquals(c.raw().getConfig("sparknas"), parsed.getConfig("sparknas"));
        SearchConfig again = SearchConfig.fromConfig(parsed);
        assertEquals(c, again);
        assertEquals(c.render(), again.render());
        // every key of reference.conf is present in the rendered text
        for (String k : SearchConfig.knownKeys()) {
            assertTrue(parsed.hasPath("sparknas." + k), k);
        }
    }

    @Test
    void everyReferenceKeyHasACommentAboveIt() throws IOException {
        String ref;
        try (InputStream in = SearchConfig.class.getClassLoader().getResourceAsStream("reference.conf")) {
            assertNotNull(in);
            ref = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String[] lines = ref.split("\n");
        int values = 0;
        for (int i = 0; i < lines.length; i++) {
            String t = lines[i].trim();
            if (t.matches("[a-z0-9-]+\\s*=.*")) {
                values++;
                assertTrue(lines[i - 1].trim().startsWith("#"), "no comment above: " + t);
            }
        }
        assertEquals(SearchConfig.knownKeys().size(), values);
        assertEquals(ConfigSchema.KEYS.size(), values);
    }

    @Test
    void systemPropertiesDoNotLeakIn() {
        String k = "sparknas.search.layers";
        String old = System.getProperty(k);
        System.setProperty(k, "11");
        try {
            assertEquals(8, SearchConfig.defaults().search().layers());
        } finally {
            if (old == null) {
                System.clearProperty(k);
            } else {
                System.setProperty(k, old);
            }
        }
    }

    @Test
    void recordsAreImmutable() {
        SearchConfig c = SearchConfig.defaults();
        assertThrows(UnsupportedOperationException.class, () -> c.search().ops().add("x"));
        assertThrows(UnsupportedOperationException.class, () -> c.data().cifarFiles().add("x"));
    }

    @Test
    void knownKeysMatchConfReadme() throws IOException {
        Path readme = confDir().resolve("README.md");
        String text = Files.readString(readme);
        for (String k : SearchConfig.knownKeys()) {
            assertTrue(text.contains("`" + k + "`"), "conf/README.md misses " + k);
        }
    }
}
