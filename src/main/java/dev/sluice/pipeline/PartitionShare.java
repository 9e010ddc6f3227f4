package dev.sluice.pipeline;

import dev.sluice.config.RateLimit;

/**
 * The part of a route's partitions this replica is assigned: {@code assigned} of {@code total}
 * partitions of the route's topics. A group-wide rate limit ({@link RateLimit#groupWide()}) is
 * split by it, so the replicas of a group together send at most the configured rate: each takes
 * {@code perSecond x assigned / total} (rounded down to a thousandth of a token), and the burst
 * likewise (at least one token, or it could never send). A replica assigned none of them (the
 * group has more replicas than partitions, or they were just revoked) has no records to start,
 * only attempts it may still be finishing; those go at the share of one partition. Before the
 * first rebalance no partition count is known ({@code total} 0): the whole rate applies, and no
 * record has been fetched to spend it on.
 */
public record PartitionShare(int assigned, int total) {
    /** All of them: a replica alone, or a limit per replica. */
    public static final PartitionShare ALL = new PartitionShare(1, 1);

    public PartitionShare {
        if (assigned < 0 || total < 0 || assigned > total) {
            throw new IllegalArgumentException("a share is 0 to total partitions, got " + assigned + " of " + total);
        }
    }

    /** The rate of this share of {@code limit}, in thousandths of a token per second. */
    public long milliPerSecond(RateLimit limit) {
        return Math.max(1, part(limit.perSecond() * 1000L));
    }

    /** The burst of this share of {@code limit}, in thousandths of a token: at least one token. */
    public long milliBurst(RateLimit limit) {
        return Math.max(1000, part(limit.burst() * 1000L));
    }

    /** This share's tokens a second of {@code limit}, for status: two decimals. */
    public double perSecond(RateLimit limit) {
        return Math.floor(milliPerSecond(limit) / 10.0) / 100.0;
    }

    private long part(long whole) {
        if (total == 0) {
            return whole;
        }
        return whole * Math.max(assigned, 1) / total;
    }
}
