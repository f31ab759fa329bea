package dev.gatehouse.gateway.web;

import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One HTTP/1.1 request over TLS to {@code 127.0.0.1} with a chosen SNI name and {@code Host}, the
 * server's name verified (RFC 2818): what a browser does for {@code *.localhost} names, which the
 * test machine's resolver may not know.
 */
public final class Https1 {
    private Https1() {}

    /** The answer: status, headers (lower-case names) and body as text. */
    public record Answer(int status, Map<String, List<String>> headers, String body) {
        public String header(String name) {
            List<String> v = headers.get(name);
            return v == null ? null : v.get(0);
        }
    }

    public static Answer get(SSLContext ctx, int port, String sni, String host, String pathAndQuery, String cookie) throws Exception {
        try (Socket raw = new Socket("127.0.0.1", port);
                SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, sni, port, true)) {
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(sni)));
            p.setEndpointIdentificationAlgorithm("HTTPS");
            p.setApplicationProtocols(new String[] {"http/1.1"});
            s.setSSLParameters(p);
            s.setSoTimeout(20_000);
            s.startHandshake();
            String req = "GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n"
                    + (cookie == null ? "" : "Cookie: " + cookie + "\r\n") + "Connection: close\r\n\r\n";
            s.getOutputStream().write(req.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            s.getInputStream().transferTo(all);
            String text = all.toString(StandardCharsets.UTF_8);
            int end = text.indexOf("\r\n\r\n");
            String[] lines = text.substring(0, end).split("\r\n");
            Map<String, List<String>> headers = new TreeMap<>();
            for (int i = 1; i < lines.length; i++) {
                int c = lines[i].indexOf(':');
                headers.computeIfAbsent(lines[i].substring(0, c).toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(lines[i].substring(c + 1).trim());
            }
            return new Answer(Integer.parseInt(lines[0].split(" ")[1]), headers, text.substring(end + 4));
        }
    }
}
