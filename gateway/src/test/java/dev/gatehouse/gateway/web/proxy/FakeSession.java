package dev.gatehouse.gateway.web.proxy;

import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.web.AppRoute;
import dev.gatehouse.gateway.web.AppSessionContext;
import dev.gatehouse.policy.Decision;
import dev.gatehouse.policy.Node;
import io.netty.channel.Channel;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** An app session as the web front would hand it over: jupyter on gpu-node-1 as aiops, for alice. */
final class FakeSession implements AppSessionContext {
    static final String ASSERTION = "eyJhbGciOiJFUzI1NiJ9.gateway.signed";

    final AppRoute route;
    final List<Channel> attached = new ArrayList<>();
    final AtomicLong requests = new AtomicLong();
    final AtomicLong bytesIn = new AtomicLong();
    final AtomicLong bytesOut = new AtomicLong();
    volatile String endReason;
    /** What the proxy says is in flight (an exchange or a WebSocket), with its channel. */
    final Map<Object, Channel> inFlight = new java.util.concurrent.ConcurrentHashMap<>();

    FakeSession(URI target) {
        Node node = new Node("gpu-node-1", "10.0.0.5", 22, Optional.of("ssh-ed25519 AAAA"), Optional.empty(), Map.of("tenant", "team-a"));
        this.route = new AppRoute("jupyter", node, "aiops", target, null, Decision.allow("role engineer"));
    }

    FakeSession() {
        this(URI.create("http://127.0.0.1:8888"));
    }

    @Override
    public String id() {
        return "s-web-1";
    }

    @Override
    public Identity identity() {
        return new Identity("alice", "SHA256:abc", "198.51.100.7:50000");
    }

    @Override
    public AppRoute route() {
        return route;
    }

    @Override
    public String assertion() {
        return ASSERTION;
    }

    @Override
    public synchronized void attach(Channel channel) {
        attached.add(channel);
    }

    @Override
    public void busy(Object work, Channel channel) {
        inFlight.put(work, channel);
    }

    @Override
    public void done(Object work) {
        inFlight.remove(work);
    }

    @Override
    public boolean ended() {
        return endReason != null;
    }

    @Override
    public String endReason() {
        return endReason;
    }

    @Override
    public void count(long requests, long bytesIn, long bytesOut) {
        this.requests.addAndGet(requests);
        this.bytesIn.addAndGet(bytesIn);
        this.bytesOut.addAndGet(bytesOut);
    }
}
