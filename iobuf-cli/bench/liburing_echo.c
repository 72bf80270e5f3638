/*
 * Peer for the echo comparison: a single-threaded liburing echo server with the same structure
 * as iobuf's (multishot accept, multishot recv from a provided-buffer ring, send, recycle the
 * buffer when its send completed). It sends straight out of the receive buffer (iobuf copies
 * into a pooled send buffer), so it is the lower bound to compare against.
 *
 * Build: gcc -O2 -o liburing_echo liburing_echo.c -luring     Run: ./liburing_echo PORT
 */
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ENTRIES 1024
#define NBUFS 1024
#define BUFSZ 8192
#define BGID 1

enum { ACCEPT = 1, RECV = 2, SEND = 3 };

static struct io_uring ring;
static struct io_uring_buf_ring *br;
static char *bufs;
static volatile sig_atomic_t stop;
static int *sendoff; /* per buffer id: bytes of that buffer already sent */

static inline unsigned long long ud(int type, int fd, int bid, int len) {
    return ((unsigned long long)type << 60) | ((unsigned long long)(unsigned)fd << 36)
         | ((unsigned long long)(unsigned)bid << 20) | (unsigned)len;
}

static struct io_uring_sqe *sqe(void) {
    struct io_uring_sqe *s = io_uring_get_sqe(&ring);
    if (!s) { io_uring_submit(&ring); s = io_uring_get_sqe(&ring); }
    return s;
}

static void arm_recv(int fd) {
    struct io_uring_sqe *s = sqe();
    io_uring_prep_recv_multishot(s, fd, NULL, 0, 0);
    s->flags |= IOSQE_BUFFER_SELECT;
    s->buf_group = BGID;
    io_uring_sqe_set_data64(s, ud(RECV, fd, 0, 0));
}

static void recycle(int bid) {
    io_uring_buf_ring_add(br, bufs + (size_t)bid * BUFSZ, BUFSZ, bid, io_uring_buf_ring_mask(NBUFS), 0);
    io_uring_buf_ring_advance(br, 1);
}

static void send_part(int fd, int bid, int off, int len) {
    struct io_uring_sqe *s = sqe();
    io_uring_prep_send(s, fd, bufs + (size_t)bid * BUFSZ + off, len, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(s, ud(SEND, fd, bid, off + len));
}

static void on_sigint(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 7008;
    signal(SIGINT, on_sigint);
    signal(SIGTERM, on_sigint);
    struct io_uring_params p = {0};
    p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQSIZE;
    p.cq_entries = ENTRIES * 8;
    if (io_uring_queue_init_params(ENTRIES, &ring, &p) < 0) {
        memset(&p, 0, sizeof p);
        if (io_uring_queue_init_params(ENTRIES, &ring, &p) < 0) { perror("io_uring_queue_init"); return 1; }
    }
    if (posix_memalign((void **)&br, 4096, NBUFS * sizeof(struct io_uring_buf))) return 1;
    io_uring_buf_ring_init(br);
    struct io_uring_buf_reg reg = {.ring_addr = (unsigned long)br, .ring_entries = NBUFS, .bgid = BGID};
    int ret = io_uring_register_buf_ring(&ring, &reg, 0);
    if (ret) { fprintf(stderr, "register_buf_ring: %s\n", strerror(-ret)); return 1; }
    if (posix_memalign((void **)&bufs, 4096, (size_t)NBUFS * BUFSZ)) return 1;
    sendoff = calloc(NBUFS, sizeof(int));
    for (int i = 0; i < NBUFS; i++)
        io_uring_buf_ring_add(br, bufs + (size_t)i * BUFSZ, BUFSZ, i, io_uring_buf_ring_mask(NBUFS), i);
    io_uring_buf_ring_advance(br, NBUFS);

    int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(lfd, (struct sockaddr *)&a, sizeof a) || listen(lfd, 4096)) { perror("bind/listen"); return 1; }
    struct io_uring_sqe *s = sqe();
    io_uring_prep_multishot_accept(s, lfd, NULL, NULL, 0);
    io_uring_sqe_set_data64(s, ud(ACCEPT, lfd, 0, 0));
    printf("liburing echo on 127.0.0.1:%d\n", port);
    fflush(stdout);

    while (!stop) {
        struct __kernel_timespec ts = {.tv_sec = 0, .tv_nsec = 200000000};
        struct io_uring_cqe *cqe;
        io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts, NULL);
        unsigned head, n = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            n++;
            unsigned long long d = cqe->user_data;
            int type = d >> 60, fd = (d >> 36) & 0xFFFFFF, bid = (d >> 20) & 0xFFFF, end = d & 0xFFFFF;
            if (type == ACCEPT) {
                if (cqe->res >= 0) {
                    setsockopt(cqe->res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    arm_recv(cqe->res);
                }
                if (!(cqe->flags & IORING_CQE_F_MORE)) {
                    s = sqe();
                    io_uring_prep_multishot_accept(s, lfd, NULL, NULL, 0);
                    io_uring_sqe_set_data64(s, ud(ACCEPT, lfd, 0, 0));
                }
            } else if (type == RECV) {
                if (cqe->res > 0) {
                    int b = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
                    sendoff[b] = 0;
                    send_part(fd, b, 0, cqe->res);
                    if (!(cqe->flags & IORING_CQE_F_MORE)) arm_recv(fd);
                } else if (cqe->res == -ENOBUFS) {
                    arm_recv(fd);
                } else if (!(cqe->flags & IORING_CQE_F_MORE)) {
                    close(fd);
                }
            } else if (type == SEND) {
                if (cqe->res > 0 && sendoff[bid] + cqe->res < end) {
                    sendoff[bid] += cqe->res; /* short send: the rest */
                    send_part(fd, bid, sendoff[bid], end - sendoff[bid]);
                } else {
                    recycle(bid);
                }
            }
        }
        io_uring_cq_advance(&ring, n);
    }
    io_uring_queue_exit(&ring);
    return 0;
}
