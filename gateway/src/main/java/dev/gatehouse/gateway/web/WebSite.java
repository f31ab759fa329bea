package dev.gatehouse.gateway.web;

/**
 * The web front's public names: the console's host name and the port browsers use, as set once the
 * listener is bound. Origins omit the port when it is 443 (RFC 9110 section 4.2.2).
 */
public final class WebSite {
    private final String hostname;
    private volatile int port;
    private volatile int sshPort;

    public WebSite(String hostname, int port) {
        this.hostname = hostname;
        this.port = port;
    }

    /** The console host name ({@code web.hostname}). */
    public String hostname() {
        return hostname;
    }

    public int port() {
        return port;
    }

    /** Set by the listener once bound (port 0 in the configuration picks one). */
    void bound(int actualPort) {
        this.port = actualPort;
    }

    /** The gateway's SSH port, for the pages' "run ssh ... web-login" hint. */
    public void sshPort(int value) {
        this.sshPort = value;
    }

    /** The command that prints a login link: {@code ssh -p 2222 HOST web-login} ({@code PORT} while unknown). */
    public String webLoginCommand() {
        return "ssh -p " + (sshPort > 0 ? String.valueOf(sshPort) : "PORT") + " " + hostname + " web-login";
    }

    /** {@code https://HOST[:PORT]}: the console's origin, and the {@code iss} of assertions. */
    public String consoleOrigin() {
        return origin(hostname);
    }

    /** {@code https://APP--NODE.apps.HOST[:PORT]}. */
    public String appOrigin(String appHost) {
        return origin(appHost);
    }

    private String origin(String host) {
        return "https://" + host + (port == 443 ? "" : ":" + port);
    }
}
