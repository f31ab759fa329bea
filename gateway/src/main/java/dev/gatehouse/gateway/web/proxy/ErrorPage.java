package dev.gatehouse.gateway.web.proxy;

import dev.gatehouse.gateway.web.Html;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The gateway's own answer when it cannot pass a request on: a small HTML page saying what
 * happened in plain words. Every piece of text is HTML-escaped (it may carry a node's or an app's
 * own words); no stack trace ever reaches it. The connection is closed after it.
 */
final class ErrorPage {
    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x1F\\x7F]");

    private ErrorPage() {}

    /**
     * A complete response with {@code Connection: close}.
     *
     * @param status 403, 502, ...
     * @param title one line, the page heading
     * @param detail one line with the particulars, or null
     */
    static FullHttpResponse of(HttpResponseStatus status, String title, String detail) {
        String html = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + escape(title)
                + "</title></head>\n<body><h1>" + escape(title) + "</h1>\n"
                + (detail == null ? "" : "<p>" + escape(detail) + "</p>\n")
                + "<p>Gatehouse " + status.code() + "</p></body></html>\n";
        byte[] body = html.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set("x-content-type-options", "nosniff")
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return r;
    }

    /** {@link Html#escape} ({@code & < > " '}), with control characters (C0 and DEL) turned into spaces. */
    static String escape(String s) {
        return CONTROL.matcher(Html.escape(s)).replaceAll(" ");
    }
}
