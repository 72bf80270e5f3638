package dev.iobuf.pool;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TierTest {

    @Test
    void sizesArePowersOfFourFrom32BytesTo128MiB() {
        assertThat(Tier.values()).hasSize(12);
        assertThat(Tier.PICO.size()).isEqualTo(32);
        assertThat(Tier.SMALL.size()).isEqualTo(2048);
        assertThat(Tier.LARGE.size()).isEqualTo(128 * 1024);
        assertThat(Tier.TITAN.size()).isEqualTo(128 * 1024 * 1024);
        for (int i = 1; i < Tier.values().length; i++) {
            assertThat(Tier.values()[i].size()).isEqualTo(4 * Tier.values()[i - 1].size());
        }
    }

    @Test
    void forSizeAtTheEdges() {
        assertThat(Tier.forSize(0)).isEqualTo(Tier.PICO);
        assertThat(Tier.forSize(1)).isEqualTo(Tier.PICO);
        assertThat(Tier.forSize(32)).isEqualTo(Tier.PICO);
        assertThat(Tier.forSize(33)).isEqualTo(Tier.NANO);
        assertThat(Tier.forSize(2048)).isEqualTo(Tier.SMALL);
        assertThat(Tier.forSize(2049)).isEqualTo(Tier.MEDIUM);
        assertThat(Tier.forSize(128L << 20)).isEqualTo(Tier.TITAN);
    }

    @Test
    void forSizeRejectsNegativeAndOversized() {
        assertThatThrownBy(() -> Tier.forSize(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> Tier.forSize((128L << 20) + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Tier.forSize(Long.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class);
    }

    @Property
    void forSizeIsTheSmallestTierThatHolds(@ForAll @LongRange(min = 0, max = 128L << 20) long bytes) {
        Tier t = Tier.forSize(bytes);
        assertThat((long) t.size()).isGreaterThanOrEqualTo(bytes);
        if (t.ordinal() > 0) {
            assertThat((long) Tier.values()[t.ordinal() - 1].size()).isLessThan(bytes);
        }
    }
}
