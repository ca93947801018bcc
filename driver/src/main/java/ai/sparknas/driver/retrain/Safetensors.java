package ai.sparknas.driver.retrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes
 * of JSON {@code {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}}
 * padded with spaces to a multiple of 8, then the tensors' bytes, little-endian and C-ordered, laid
 * end to end in header order. This writes and reads F32, F64 and I64.
 */
public final class Safetensors {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One named tensor; values are held as doubles (I64 values must be integers). */
    public record Tensor(String name, String dtype, long[] shape, double[] values) {
        public Tensor {
            if (!List.of("F32", "F64", "I64").contains(dtype)) {
                throw new IllegalArgumentException("dtype " + dtype + " of " + name + ": F32, F64 or I64");
            }
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            if (n != values.length) {
                throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " holds " + n
                        + " values, got " + values.length);
            }
        }

        int width() {
            return dtype.equals("F32") ? 4 : 8;
        }
    }

    private Safetensors() {
    }

    public static byte[] write(List<Tensor> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Tensor t : tensors) {
            if (header.has(t.name())) {
                throw new IllegalArgumentException("duplicate tensor name " + t.name());
            }
            ObjectNode e = header.putObject(t.name());
            e.put("dtype", t.dtype());
            e.set("shape", JSON.valueToTree(t.shape()));
            long end = offset + (long) t.width() * t.values().length;
            e.set("data_offsets", JSON.valueToTree(new long[] {offset, end}));
            offset = end;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + padded + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded);
        out.put(json);
        for (int i = json.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        for (Tensor t : tensors) {
            for (double v : t.values()) {
                switch (t.dtype()) {
                    case "F32" -> out.putFloat((float) v);
                    case "F64" -> out.putDouble(v);
                    default -> out.putLong((long) v);
                }
            }
        }
        return out.array();
    }

    /**
     * Reads every tensor, in header order, checking that the offsets tile the data exactly.
     *
     * @param name the file, for messages
     * @throws IOException naming the file and what is wrong with it
     */
    public static Map<String, Tensor> read(byte[] file, String name) throws IOException {
        if (file.length < 8) {
            throw new IOException(name + ": " + file.length + " bytes is too short for a safetensors file");
        }
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong();
        if (n < 2 || n > file.length - 8) {
            throw new IOException(name + ": header length " + n + " does not fit the " + file.length + "-byte file");
        }
        JsonNode header = JSON.readTree(new String(file, 8, (int) n, StandardCharsets.UTF_8));
        Map<String, Tensor> out = new LinkedHashMap<>();
        long expected = 0;
        int data = 8 + (int) n;
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode t = e.getValue();
            String dtype = t.path("dtype").asText();
            long[] shape = JSON.treeToValue(t.path("shape"), long[].class);
            long[] offsets = JSON.treeToValue(t.path("data_offsets"), long[].class);
            if (shape == null || offsets == null || offsets.length != 2 || offsets[0] != expected) {
                throw new IOException(name + ": tensor " + e.getKey() + " has no shape, or data offsets that do not"
                        + " follow the previous tensor's");
            }
            long count = 1;
            for (long d : shape) {
                count *= d;
            }
            int width = dtype.equals("F32") ? 4 : 8;
            if (offsets[1] - offsets[0] != count * width || data + offsets[1] > file.length) {
                throw new IOException(name + ": tensor " + e.getKey() + " of shape " + Arrays.toString(shape) + " and"
                        + " dtype " + dtype + " does not match its data offsets " + Arrays.toString(offsets));
            }
            double[] values = new double[(int) count];
            ByteBuffer v = ByteBuffer.wrap(file, data + (int) offsets[0], (int) (offsets[1] - offsets[0]))
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < values.length; i++) {
                values[i] = switch (dtype) {
                    case "F32" -> v.getFloat();
                    case "F64" -> v.getDouble();
                    case "I64" -> v.getLong();
                    default -> throw new IOException(name + ": tensor " + e.getKey() + " has dtype " + dtype
                            + ", this reader knows F32, F64 and I64");
                };
            }
            out.put(e.getKey(), new Tensor(e.getKey(), dtype, shape, values));
            expected = offsets[1];
        }
        if (data + expected != file.length) {
            throw new IOException(name + ": " + (file.length - data - expected) + " bytes after the last tensor");
        }
        return out;
    }

    /** The {@code __metadata__} of a file. */
    public static Map<String, String> metadata(byte[] file) throws IOException {
        long n = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode meta = JSON.readTree(new String(file, 8, (int) n, StandardCharsets.UTF_8)).path("__metadata__");
        Map<String, String> out = new LinkedHashMap<>();
        meta.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }
}
