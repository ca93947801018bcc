package ai.sparknas.driver.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CosineScheduleTest {

    @Test
    void endpointsAndMidpoint() {
        CosineSchedule s = new CosineSchedule(0.025, 0.001, 50);
        assertEquals(0.025, s.at(0), 0.0);
        assertEquals(0.013, s.at(25), 1e-15);
        assertEquals(0.001, s.at(50), 1e-15);
        assertEquals(0.001 + (0.025 - 0.001) * (1 + Math.cos(Math.PI / 50)) / 2, s.at(1), 0.0);
        for (int e = 1; e <= 50; e++) {
            assertTrue(s.at(e) < s.at(e - 1));
        }
    }

    @Test
    void errorsNameConfigKeys() {
        assertMessage("optim.weights.lr", () -> new CosineSchedule(0, 0, 5));
        assertMessage("optim.weights.lr-min", () -> new CosineSchedule(0.025, 0.03, 5));
        assertMessage("optim.weights.lr-min", () -> new CosineSchedule(0.025, -1, 5));
        assertMessage("search.epochs", () -> new CosineSchedule(0.025, 0.001, 0));
        assertMessage("search.epochs", () -> new CosineSchedule(0.025, 0.001, 5).at(6));
    }

    private static void assertMessage(String key, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}
