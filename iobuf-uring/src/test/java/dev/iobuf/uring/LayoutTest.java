package dev.iobuf.uring;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;

import static org.assertj.core.api.Assertions.assertThat;

/** Each *Layout's offset constants agree with its StructLayout and with the kernel ABI sizes. */
class LayoutTest {
    private static long off(StructLayout l, String... path) {
        PathElement[] p = new PathElement[path.length];
        for (int i = 0; i < path.length; i++) {
            p[i] = PathElement.groupElement(path[i]);
        }
        return l.byteOffset(p);
    }

    @Test
    void paramsMatchTheUapiHeader() {
        StructLayout l = ParamsLayout.LAYOUT;
        assertThat(ParamsLayout.BYTES).isEqualTo(120);
        assertThat(off(l, "flags")).isEqualTo(ParamsLayout.FLAGS);
        assertThat(off(l, "sq_thread_idle")).isEqualTo(ParamsLayout.SQ_THREAD_IDLE);
        assertThat(off(l, "features")).isEqualTo(ParamsLayout.FEATURES);
        assertThat(off(l, "sq_off")).isEqualTo(ParamsLayout.SQ_OFF);
        assertThat(off(l, "cq_off")).isEqualTo(ParamsLayout.CQ_OFF);
        assertThat(off(l, "sq_off", "array")).isEqualTo(ParamsLayout.SQ_OFF + ParamsLayout.SQ_ARRAY);
        assertThat(off(l, "sq_off", "flags")).isEqualTo(ParamsLayout.SQ_OFF + ParamsLayout.SQ_FLAGS);
        assertThat(off(l, "sq_off", "dropped")).isEqualTo(ParamsLayout.SQ_OFF + ParamsLayout.SQ_DROPPED);
        assertThat(off(l, "cq_off", "cqes")).isEqualTo(ParamsLayout.CQ_OFF + ParamsLayout.CQ_CQES);
        assertThat(off(l, "cq_off", "overflow")).isEqualTo(ParamsLayout.CQ_OFF + ParamsLayout.CQ_OVERFLOW);
        assertThat(off(l, "cq_off", "flags")).isEqualTo(ParamsLayout.CQ_OFF + ParamsLayout.CQ_FLAGS);
        assertThat(ParamsLayout.SQ_OFFSETS.byteSize()).isEqualTo(40);
        assertThat(ParamsLayout.CQ_OFFSETS.byteSize()).isEqualTo(40);
    }

    @Test
    void sqeAndCqe() {
        StructLayout l = SqeLayout.LAYOUT;
        assertThat(SqeLayout.BYTES).isEqualTo(64);
        assertThat(off(l, "ioprio")).isEqualTo(SqeLayout.IOPRIO);
        assertThat(off(l, "fd")).isEqualTo(SqeLayout.FD);
        assertThat(off(l, "off")).isEqualTo(SqeLayout.OFF);
        assertThat(off(l, "addr")).isEqualTo(SqeLayout.ADDR);
        assertThat(off(l, "len")).isEqualTo(SqeLayout.LEN);
        assertThat(off(l, "op_flags")).isEqualTo(SqeLayout.OP_FLAGS);
        assertThat(off(l, "user_data")).isEqualTo(SqeLayout.USER_DATA);
        assertThat(off(l, "buf_index")).isEqualTo(SqeLayout.BUF_INDEX);
        assertThat(off(l, "personality")).isEqualTo(SqeLayout.PERSONALITY);
        assertThat(off(l, "file_index")).isEqualTo(SqeLayout.FILE_INDEX);
        assertThat(off(l, "addr3")).isEqualTo(SqeLayout.ADDR3);
        assertThat(CqeLayout.BYTES).isEqualTo(16);
        assertThat(off(CqeLayout.LAYOUT, "res")).isEqualTo(CqeLayout.RES);
        assertThat(off(CqeLayout.LAYOUT, "flags")).isEqualTo(CqeLayout.FLAGS);
    }

    @Test
    void bufferRingAndRegistrationStructs() {
        assertThat(BufRingLayout.BYTES).isEqualTo(16);
        assertThat(off(BufRingLayout.LAYOUT, "bid")).isEqualTo(BufRingLayout.BID);
        assertThat(off(BufRingLayout.LAYOUT, "resv")).isEqualTo(BufRingLayout.TAIL).isEqualTo(14);
        assertThat(BufRegLayout.BYTES).isEqualTo(40);
        assertThat(off(BufRegLayout.LAYOUT, "bgid")).isEqualTo(BufRegLayout.BGID);
        assertThat(off(BufRegLayout.LAYOUT, "flags")).isEqualTo(BufRegLayout.FLAGS);
        assertThat(off(BufRegLayout.LAYOUT, "min_left")).isEqualTo(BufRegLayout.MIN_LEFT);
        assertThat(RsrcRegisterLayout.BYTES).isEqualTo(32);
        assertThat(off(RsrcRegisterLayout.LAYOUT, "data")).isEqualTo(RsrcRegisterLayout.DATA);
        assertThat(off(RsrcRegisterLayout.LAYOUT, "tags")).isEqualTo(RsrcRegisterLayout.TAGS);
        assertThat(RsrcUpdate2Layout.BYTES).isEqualTo(32);
        assertThat(off(RsrcUpdate2Layout.LAYOUT, "tags")).isEqualTo(RsrcUpdate2Layout.TAGS);
        assertThat(off(RsrcUpdate2Layout.LAYOUT, "nr")).isEqualTo(RsrcUpdate2Layout.NR);
        assertThat(RsrcUpdateLayout.BYTES).isEqualTo(16);
        assertThat(off(RsrcUpdateLayout.LAYOUT, "data")).isEqualTo(RsrcUpdateLayout.DATA);
        assertThat(FileIndexRangeLayout.BYTES).isEqualTo(16);
        assertThat(ProbeLayout.HEADER.byteSize()).isEqualTo(ProbeLayout.OPS);
        assertThat(ProbeLayout.OP.byteSize()).isEqualTo(ProbeLayout.OP_BYTES);
        assertThat(off(ProbeLayout.OP, "flags")).isEqualTo(ProbeLayout.OP_FLAGS);
        assertThat(off(ProbeLayout.HEADER, "ops_len")).isEqualTo(ProbeLayout.OPS_LEN);
        assertThat(TimespecLayout.BYTES).isEqualTo(16);
        assertThat(GeteventsArgLayout.BYTES).isEqualTo(24);
        assertThat(off(GeteventsArgLayout.LAYOUT, "ts")).isEqualTo(GeteventsArgLayout.TS);
        assertThat(off(GeteventsArgLayout.LAYOUT, "min_wait_usec")).isEqualTo(GeteventsArgLayout.MIN_WAIT_USEC);
    }

    @Test
    void msghdrAndRecvmsgOut() {
        StructLayout m = MsgHdrLayout.LAYOUT;
        assertThat(MsgHdrLayout.BYTES).isEqualTo(MsgHdr.BYTES).isEqualTo(56);
        assertThat(off(m, "msg_name")).isEqualTo(MsgHdrLayout.NAME);
        assertThat(off(m, "msg_namelen")).isEqualTo(MsgHdrLayout.NAMELEN);
        assertThat(off(m, "msg_iov")).isEqualTo(MsgHdrLayout.IOV);
        assertThat(off(m, "msg_iovlen")).isEqualTo(MsgHdrLayout.IOVLEN);
        assertThat(off(m, "msg_control")).isEqualTo(MsgHdrLayout.CONTROL);
        assertThat(off(m, "msg_controllen")).isEqualTo(MsgHdrLayout.CONTROLLEN);
        assertThat(off(m, "msg_flags")).isEqualTo(MsgHdrLayout.FLAGS);
        StructLayout r = RecvmsgOutLayout.LAYOUT;
        assertThat(RecvmsgOutLayout.BYTES).isEqualTo(RecvmsgOut.BYTES).isEqualTo(16);
        assertThat(off(r, "namelen")).isEqualTo(RecvmsgOutLayout.NAMELEN);
        assertThat(off(r, "controllen")).isEqualTo(RecvmsgOutLayout.CONTROLLEN);
        assertThat(off(r, "payloadlen")).isEqualTo(RecvmsgOutLayout.PAYLOADLEN);
        assertThat(off(r, "flags")).isEqualTo(RecvmsgOutLayout.FLAGS);
        assertThat(RecvmsgOut.payloadOffset(28, 8)).isEqualTo(16 + 28 + 8);
    }
}
