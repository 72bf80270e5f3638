/**
 * The event loop: one platform thread owning one io_uring, completions dispatched to handlers by
 * user data without allocation, tasks from other threads through a bounded queue and an eventfd,
 * TIMEOUT-based timers, graceful shutdown, and groups of loops for several cores.
 */
package dev.iobuf.uring.reactor;
