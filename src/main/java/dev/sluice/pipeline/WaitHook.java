package dev.sluice.pipeline;

/**
 * Told when a record could not have a permit at once and queued for it, and when it left the
 * queue (granted, refused or cancelled): {@code waiting} once, then {@code doneWaiting} once, in
 * that order whatever the threads, so a count kept by the hook cannot drift. Both may run under
 * the waiter's own lock: keep them short and non-blocking.
 */
public interface WaitHook {
    WaitHook NONE = new WaitHook() {
        @Override
        public void waiting() {
        }

        @Override
        public void doneWaiting() {
        }
    };

    void waiting();

    void doneWaiting();

    /**
     * Told after {@link #waiting()}, outside every lock, when the waiter is still in the queue:
     * the waiter may give back what waiting does not need (a record parks: its admission permit
     * goes back for a parking slot). Default: nothing.
     */
    default void queued() {
    }
}
