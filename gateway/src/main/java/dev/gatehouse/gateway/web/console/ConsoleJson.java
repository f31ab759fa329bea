package dev.gatehouse.gateway.web.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.time.Duration;
import java.time.Instant;

/**
 * The API's one JSON mapper: times as RFC 3339 UTC strings ({@link Instant#toString()}), durations
 * as ISO 8601 ({@link Duration#toString()}); endpoints that promise seconds give numbers themselves.
 */
public final class ConsoleJson {
    /** Thread-safe once configured (Jackson's contract for ObjectMapper). */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .registerModule(new SimpleModule("gatehouse-console")
                    .addSerializer(Instant.class, ToStringSerializer.instance)
                    .addSerializer(Duration.class, ToStringSerializer.instance));

    private ConsoleJson() {}
}
