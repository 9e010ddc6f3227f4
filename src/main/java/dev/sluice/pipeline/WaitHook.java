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
}
