package dev.iobuf.internal;


import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StateWordsTest {

    @Property(tries = 60)
    void everyWordIsItsOwn(@ForAll @IntRange(min = 1, max = 70_000) int size) {
        StateWords w = new StateWords(size);
        for (int i = 0; i < size; i++) {
            w.setRelease(i, i + 1);
        }
        for (int i = 0; i < size; i++) {
            assertThat(w.getAcquire(i)).isEqualTo(i + 1);
        }
        assertThat(w.compareAndSet(size - 1, size, -1)).isTrue();
        assertThat(w.compareAndSet(size - 1, size, -2)).isFalse();
        assertThat(w.getAcquire(size - 1)).isEqualTo(-1);
    }

    @Test
    void neighbouringWordsAreOnDifferentLinesAndOffTheHeaderLine() {
        // Written through the public operations only: word i is found at the array position that
        // holds i + 1 after writing every word; no two neighbours may share a 64-byte line.
        int size = 300;
        StateWords w = new StateWords(size);
        for (int i = 0; i < size; i++) {
            w.setRelease(i, i + 1);
        }
        int[] line = linesOf(w, size);
        for (int i = 0; i + 1 < size; i++) {
            assertThat(line[i]).as("line of word %d vs %d", i, i + 1).isNotEqualTo(line[i + 1]);
            assertThat(line[i]).isPositive(); // the first line (array header) holds no word
        }
    }

    /** The 64-byte line (16 ints, counted from the array start) of each word. */
    private static int[] linesOf(StateWords w, int size) {
        int[] words = w.wordsForTest();
        int[] line = new int[size];
        for (int p = 0; p < words.length; p++) {
            if (words[p] > 0) {
                line[words[p] - 1] = (p + 4) / 16; // 16-byte array header = 4 ints
            }
        }
        return line;
    }

    @Test
    void sizeIsChecked() {
        assertThatThrownBy(() -> new StateWords(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StateWords(StateWords.MAX_SIZE + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new StateWords(0).size()).isZero();
    }
}
