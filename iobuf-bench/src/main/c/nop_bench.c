/*
 * NOP throughput with liburing, the peer of dev.iobuf.uring.NopBench: ns per NOP submitted and
 * reaped, in batches of 1, 32 and 256 on a 256-entry ring.
 * Build and run: iobuf-uring/scripts/nop-bench-c.sh
 */
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static unsigned long long sink;

static double run(struct io_uring *ring, unsigned batch, double seconds)
{
	long long start = now_ns(), end = start + (long long)(seconds * 1e9), now;
	unsigned long long ops = 0;

	do {
		for (unsigned i = 0; i < 1000 / batch + 1; i++) {
			struct io_uring_cqe *cqe;
			unsigned head, n = 0;

			for (unsigned j = 0; j < batch; j++) {
				struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
				io_uring_prep_nop(sqe);
				io_uring_sqe_set_data64(sqe, j);
			}
			int ret = io_uring_submit_and_wait(ring, batch);
			if (ret < 0) {
				fprintf(stderr, "submit_and_wait: %d\n", ret);
				exit(1);
			}
			io_uring_for_each_cqe(ring, head, cqe) {
				sink += cqe->user_data;
				n++;
			}
			io_uring_cq_advance(ring, n);
			if (n != batch) {
				fprintf(stderr, "expected %u completions, got %u\n", batch, n);
				exit(1);
			}
			ops += batch;
		}
		now = now_ns();
	} while (now < end);
	return (double)(now - start) / ops;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 2.0;
	unsigned batches[] = {1, 32, 256};
	struct io_uring ring;
	int ret = io_uring_queue_init(256, &ring, 0);

	if (ret < 0) {
		fprintf(stderr, "io_uring_queue_init: %d\n", ret);
		return 1;
	}
	printf("liburing, setup flags 0x%x\n", ring.flags);
	for (unsigned i = 0; i < 3; i++) {
		run(&ring, batches[i], seconds / 2);
		printf("C     batch %3u: %8.1f ns/op\n", batches[i], run(&ring, batches[i], seconds));
	}
	io_uring_queue_exit(&ring);
	return sink == 42 ? 2 : 0;
}
