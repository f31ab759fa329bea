package dev.gatehouse.gateway.web.proxy;

import io.netty.channel.Channel;

/**
 * Back-pressure from the client to the app: the app's next chunk is asked for ({@code more}, see
 * {@link dev.gatehouse.gateway.web.AppStream.Reader}) only while the client's channel is writable,
 * that is while its outbound buffer is under Netty's write-buffer high water mark; otherwise the
 * request waits until the channel turns writable again (below the low water mark). Holds at most
 * one waiting request; used on the client channel's event loop only.
 */
final class ClientPace {
    private Runnable waiting;

    /** Runs {@code more} now if {@code client} is writable, else keeps it for {@link #writabilityChanged}. */
    void whenWritable(Channel client, Runnable more) {
        if (client.isWritable()) {
            more.run();
        } else {
            waiting = more;
        }
    }

    /** From {@code channelWritabilityChanged}: runs the kept request once {@code client} is writable again. */
    void writabilityChanged(Channel client) {
        if (client.isWritable() && waiting != null) {
            Runnable more = waiting;
            waiting = null;
            more.run();
        }
    }
}
