package dev.gatehouse.gateway.web;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The gateway's own small HTML pages and redirects. Every piece of text from outside (host names,
 * user names, reasons, paths) goes through {@link #escape} before it reaches a page.
 */
public final class Html {
    private Html() {}

    /** Escapes {@code & < > " '} (the HTML 5 text and attribute contexts); null gives an empty string. */
    public static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * A complete page; {@code title} is escaped here, {@code bodyHtml} must already be escaped. Pages
     * carry a strict CSP (no scripts at all), no caching, and refuse framing.
     */
    static FullHttpResponse page(ByteBufAllocator alloc, HttpResponseStatus status, String title, String bodyHtml) {
        String html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title)
                + " - Gatehouse</title></head>\n<body><h1>" + escape(title) + "</h1>\n" + bodyHtml + "\n</body></html>\n";
        ByteBuf body = alloc.buffer();
        body.writeCharSequence(html, StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        secure(r);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return r;
    }

    /**
     * A page that navigates to {@code sameOriginTarget} (a path and query on this host) at once,
     * by {@code <meta http-equiv="refresh">} (WHATWG HTML section 4.2.5.3; no script, so the strict
     * CSP holds), with a link for browsers that do not follow it. The new navigation starts from
     * this origin, so it carries this host's {@code SameSite=Strict} cookies.
     */
    static FullHttpResponse renavigate(ByteBufAllocator alloc, String sameOriginTarget) {
        if (!sameOriginTarget.startsWith("/") || sameOriginTarget.startsWith("//")) {
            throw new IllegalArgumentException("not a path on this host: " + sameOriginTarget);
        }
        String target = escape(sameOriginTarget);
        String html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta http-equiv=\"refresh\" content=\"0; url=" + target + "\"><title>Continue - Gatehouse</title></head>\n"
                + "<body><p><a href=\"" + target + "\">Continue</a></p></body></html>\n";
        ByteBuf body = alloc.buffer();
        body.writeCharSequence(html, StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        secure(r);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return r;
    }

    /** A {@code 302 Found} to {@code location} (RFC 9110 section 15.4.3), with an empty body. */
    static FullHttpResponse redirect(ByteBufAllocator alloc, String location) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FOUND, alloc.buffer(0));
        r.headers().set(HttpHeaderNames.LOCATION, location);
        secure(r);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return r;
    }

    /** A body-less JSON or text answer with a given type. */
    static FullHttpResponse text(ByteBufAllocator alloc, HttpResponseStatus status, String contentType, String text) {
        ByteBuf body = alloc.buffer();
        body.writeCharSequence(text, StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        r.headers().set("X-Content-Type-Options", "nosniff");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return r;
    }

    private static void secure(FullHttpResponse r) {
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        r.headers().set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
        r.headers().set("X-Content-Type-Options", "nosniff");
        r.headers().set("Referrer-Policy", "no-referrer");
    }
}
