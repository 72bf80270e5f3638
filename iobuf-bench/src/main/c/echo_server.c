/*
 * The C peer of iobuf's echo server: liburing, one thread, multishot accept, multishot recv from
 * a provided-buffer ring, send straight from the received buffer, buffer back to the ring when
 * the send completed (short sends are finished first).
 * Build: cc -O2 -o echo_server echo_server.c -luring      Run: ./echo_server PORT
 * Stops on SIGINT/SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IORING_SETUP_SINGLE_ISSUER
#define IORING_SETUP_SINGLE_ISSUER (1U << 12)
#endif
#ifndef IORING_SETUP_DEFER_TASKRUN
#define IORING_SETUP_DEFER_TASKRUN (1U << 13)
#endif

#define ENTRIES 4096
#define BUFS 4096
#define BUF_SIZE 4096
#define GROUP 0

enum { OP_ACCEPT = 1, OP_RECV = 2, OP_SEND = 3 };

static volatile sig_atomic_t stop;
static struct io_uring ring;
static struct io_uring_buf_ring *br;
static char *bufs;
static unsigned sent[BUFS], want[BUFS];

static void on_signal(int sig) { (void)sig; stop = 1; }

static unsigned long long ud(int op, int fd, int bid)
{
	return ((unsigned long long)op << 56) | ((unsigned long long)(unsigned)bid << 32) | (unsigned)fd;
}

static struct io_uring_sqe *sqe_get(void)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
	while (!sqe) {
		io_uring_submit(&ring);
		sqe = io_uring_get_sqe(&ring);
	}
	return sqe;
}

static void arm_recv(int fd)
{
	struct io_uring_sqe *sqe = sqe_get();
	io_uring_prep_recv_multishot(sqe, fd, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = GROUP;
	io_uring_sqe_set_data64(sqe, ud(OP_RECV, fd, 0));
}

static void send_rest(int fd, int bid)
{
	struct io_uring_sqe *sqe = sqe_get();
	io_uring_prep_send(sqe, fd, bufs + (size_t)bid * BUF_SIZE + sent[bid], want[bid] - sent[bid], MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, ud(OP_SEND, fd, bid));
}

static void recycle(int bid)
{
	io_uring_buf_ring_add(br, bufs + (size_t)bid * BUF_SIZE, BUF_SIZE, bid, io_uring_buf_ring_mask(BUFS), 0);
	io_uring_buf_ring_advance(br, 1);
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 7000;
	struct io_uring_params p = { .flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN };
	if (io_uring_queue_init_params(ENTRIES, &ring, &p) < 0) {
		memset(&p, 0, sizeof(p));
		if (io_uring_queue_init_params(ENTRIES, &ring, &p) < 0) {
			perror("io_uring_queue_init");
			return 1;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	if (posix_memalign((void **)&br, 4096, BUFS * sizeof(struct io_uring_buf)) ||
	    posix_memalign((void **)&bufs, 4096, (size_t)BUFS * BUF_SIZE)) {
		perror("posix_memalign");
		return 1;
	}
	struct io_uring_buf_reg reg = { .ring_addr = (unsigned long)br, .ring_entries = BUFS, .bgid = GROUP };
	io_uring_buf_ring_init(br);
	if (io_uring_register_buf_ring(&ring, &reg, 0) < 0) {
		fprintf(stderr, "register_buf_ring failed\n");
		return 1;
	}
	for (int i = 0; i < BUFS; i++)
		io_uring_buf_ring_add(br, bufs + (size_t)i * BUF_SIZE, BUF_SIZE, i, io_uring_buf_ring_mask(BUFS), i);
	io_uring_buf_ring_advance(br, BUFS);

	int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 4096)) {
		perror("bind/listen");
		return 1;
	}
	printf("C liburing echo server on 127.0.0.1:%d (setup flags 0x%x)\n", port, p.flags);
	fflush(stdout);

	struct io_uring_sqe *sqe = sqe_get();
	io_uring_prep_multishot_accept(sqe, lfd, NULL, NULL, 0);
	io_uring_sqe_set_data64(sqe, ud(OP_ACCEPT, lfd, 0));

	struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 200000000 };
	while (!stop) {
		struct io_uring_cqe *cqe;
		int ret = io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts, NULL);
		if (ret < 0 && ret != -ETIME && ret != -EINTR) {
			fprintf(stderr, "wait: %s\n", strerror(-ret));
			break;
		}
		unsigned head, n = 0;
		io_uring_for_each_cqe(&ring, head, cqe) {
			n++;
			unsigned long long d = cqe->user_data;
			int op = (int)(d >> 56), fd = (int)(unsigned)d, bid = (int)((d >> 32) & 0xffff);
			int res = cqe->res;
			if (op == OP_ACCEPT) {
				if (res >= 0) {
					setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					arm_recv(res);
				}
				if (!(cqe->flags & IORING_CQE_F_MORE)) {
					sqe = sqe_get();
					io_uring_prep_multishot_accept(sqe, lfd, NULL, NULL, 0);
					io_uring_sqe_set_data64(sqe, ud(OP_ACCEPT, lfd, 0));
				}
			} else if (op == OP_RECV) {
				if (res > 0) {
					int b = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
					sent[b] = 0;
					want[b] = (unsigned)res;
					send_rest(fd, b);
					if (!(cqe->flags & IORING_CQE_F_MORE))
						arm_recv(fd);
				} else if (res == -ENOBUFS) {
					arm_recv(fd);
				} else if (!(cqe->flags & IORING_CQE_F_MORE)) {
					close(fd);
				}
			} else if (op == OP_SEND) {
				if (res > 0 && (sent[bid] += (unsigned)res) < want[bid])
					send_rest(fd, bid);
				else
					recycle(bid);
			}
		}
		io_uring_cq_advance(&ring, n);
	}
	close(lfd);
	io_uring_queue_exit(&ring);
	return 0;
}
