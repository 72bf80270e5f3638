package dev.iobuf.net;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The reusable address view: set from and converted to InetSocketAddress, formatted like the JDK, compared. */
class SocketAddressViewTest {
    @Test
    void ipv4RoundTripsAndFormats() {
        SocketAddressView v = SocketAddressView.of(new InetSocketAddress("192.168.1.20", 5353));
        assertThat(v.isIPv6()).isFalse();
        assertThat(v.ipv4()).isEqualTo(0xC0A80114);
        assertThat(v.port()).isEqualTo(5353);
        assertThat(v.toString()).isEqualTo("192.168.1.20:5353");
        assertThat(v.toInetSocketAddress()).isEqualTo(new InetSocketAddress("192.168.1.20", 5353));
        assertThat(SocketAddressView.ipv4(0xC0A80114, 5353).sameAs(v)).isTrue();
        assertThat(SocketAddressView.ipv4(0xC0A80114, 5354).sameAs(v)).isFalse();
    }

    @Test
    void ipv6FormatsAsTheJdkDoes() throws Exception {
        for (String host : new String[] {"::1", "fe80::1:2:3:4", "2001:db8::ff00:42:8329", "::"}) {
            InetSocketAddress a = new InetSocketAddress(InetAddress.getByName(host), 443);
            SocketAddressView v = SocketAddressView.of(a);
            assertThat(v.isIPv6()).isTrue();
            assertThat(v.toString()).isEqualTo("[" + a.getAddress().getHostAddress() + "]:443");
            assertThat(v.toInetSocketAddress()).isEqualTo(a);
        }
        SocketAddressView mapped = new SocketAddressView().setIPv6(0, 0xFFFF_7F00_0001L, 0, 80);
        assertThat(mapped.toString()).isEqualTo("[0:0:0:0:0:ffff:7f00:1]:80");
        assertThat(mapped.toInetSocketAddress()).as("an IPv4-mapped address becomes IPv4")
                .isEqualTo(new InetSocketAddress("127.0.0.1", 80));
    }

    @Test
    void appendingReusesTheBuilderAndCopiesAreIndependent() {
        SocketAddressView v = SocketAddressView.ipv4(0x7F000001, 9);
        StringBuilder sb = new StringBuilder(64);
        assertThat(v.appendTo(sb)).isSameAs(sb);
        SocketAddressView copy = new SocketAddressView().set(v);
        v.setIPv4(0x0A000001, 10);
        assertThat(copy.toString()).isEqualTo("127.0.0.1:9");
        assertThat(sb.toString()).isEqualTo("127.0.0.1:9");
        v.clear();
        assertThat(v.isSet()).isFalse();
        assertThat(v.toString()).isEqualTo("unset");
        assertThatThrownBy(v::toInetSocketAddress).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> v.setIPv4(1, 70000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SocketAddressView.of(InetSocketAddress.createUnresolved("example.org", 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
