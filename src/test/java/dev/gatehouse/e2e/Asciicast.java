package dev.gatehouse.e2e;

import com.fasterxml.jackson.databind.JsonNode;

/** An asciicast v2 recording as printed by {@code gatehouse export ID}. */
record Asciicast(JsonNode header, String output, String input, int events) {

    /** Parses the header line and the {@code [time, "o"|"i", data]} event lines, failing on anything else. */
    static Asciicast parse(String text) {
        String[] lines = text.split("\n");
        JsonNode header = Json.parse(lines[0]);
        if (!header.isObject() || header.path("version").asInt() != 2) {
            throw new AssertionError("export does not start with an asciicast v2 header: " + lines[0]);
        }
        StringBuilder out = new StringBuilder();
        StringBuilder in = new StringBuilder();
        int events = 0;
        double lastTime = 0;
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            JsonNode e = Json.parse(lines[i]);
            if (!e.isArray() || e.size() != 3 || !e.get(0).isNumber()) {
                throw new AssertionError("not an asciicast v2 event: " + lines[i]);
            }
            double t = e.get(0).asDouble();
            if (t < lastTime) {
                throw new AssertionError("event times go backwards at line " + (i + 1) + ": " + lines[i]);
            }
            lastTime = t;
            switch (e.get(1).asText()) {
                case "o" -> out.append(e.get(2).asText());
                case "i" -> in.append(e.get(2).asText());
                default -> { } // "r" (resize) and "m" (marker) are legal and carry no text we check
            }
            events++;
        }
        return new Asciicast(header, out.toString(), in.toString(), events);
    }
}
