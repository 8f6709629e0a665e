package dev.seedj.examples.shapes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShapeSceneTest {

    @Test
    void captionFollowsTheTemplate() {
        ShapeScene scene = new ShapeScene(ShapeKind.CIRCLE, ShapeColour.RED, ShapeSize.LARGE, Background.WHITE,
                40, 32, 32);
        assertEquals("a large red circle on a white background", scene.caption());
        ShapeScene other = new ShapeScene(ShapeKind.TRIANGLE, ShapeColour.PURPLE, ShapeSize.SMALL,
                Background.BLACK, 16, 24, 40);
        assertEquals("a small purple triangle on a black background", other.caption());
    }

    @Test
    void everyCaptionRoundTripsAndIsDistinct() {
        Set<String> captions = new HashSet<>();
        for (ShapeKind shape : ShapeKind.values()) {
            for (ShapeColour colour : ShapeColour.values()) {
                for (ShapeSize size : ShapeSize.values()) {
                    for (Background background : Background.values()) {
                        CaptionAttributes attributes = new CaptionAttributes(shape, colour, size, background);
                        String caption = attributes.caption();
                        assertEquals(attributes, ShapeScene.parseCaption(caption));
                        assertEquals(Optional.of(attributes), ShapeScene.tryParseCaption(caption));
                        captions.add(caption);
                    }
                }
            }
        }
        assertEquals(3 * 6 * 2 * 2, captions.size());
    }

    @Test
    void sceneAttributesMatchItsCaption() {
        ShapeScene scene = new ShapeScene(ShapeKind.SQUARE, ShapeColour.ORANGE, ShapeSize.SMALL,
                Background.BLACK, 20, 30, 35);
        assertEquals(scene.attributes(), ShapeScene.parseCaption(scene.caption()));
    }

    @Test
    void parserRejectsAnythingElseNamingTheProblem() {
        String[] bad = {
            "", "a large red circle on a white background.", " a large red circle on a white background",
            "a large red circle on a white background ", "a  large red circle on a white background",
            "A large red circle on a white background", "a large red circle on white background",
            "a huge red circle on a white background", "a large pink circle on a white background",
            "a large red hexagon on a white background", "a large red circle on a grey background",
            "a large red circle in a white background", "a red large circle on a white background",
            "a large red circle on a white background and more"
        };
        for (String caption : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ShapeScene.parseCaption(caption), caption);
            assertTrue(e.getMessage().contains("'" + caption + "'"), e.getMessage());
            assertEquals(Optional.empty(), ShapeScene.tryParseCaption(caption));
        }
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ShapeScene.parseCaption("a large pink circle on a white background"))
                .getMessage().contains("unknown colour 'pink'"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ShapeScene.parseCaption("a big red circle"))
                .getMessage().contains(CaptionAttributes.TEMPLATE));
        assertEquals(Optional.empty(), ShapeScene.tryParseCaption(null));
    }

    @Test
    void boxMustLieInTheSizeRange() {
        assertThrows(IllegalArgumentException.class, () -> new ShapeScene(ShapeKind.CIRCLE, ShapeColour.RED,
                ShapeSize.SMALL, Background.WHITE, 15, 32, 32));
        assertThrows(IllegalArgumentException.class, () -> new ShapeScene(ShapeKind.CIRCLE, ShapeColour.RED,
                ShapeSize.SMALL, Background.WHITE, 25, 32, 32));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ShapeScene(
                ShapeKind.CIRCLE, ShapeColour.RED, ShapeSize.LARGE, Background.WHITE, 30, 32, 32));
        assertTrue(e.getMessage().contains("36..48"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ShapeScene(ShapeKind.CIRCLE, ShapeColour.RED,
                ShapeSize.LARGE, Background.WHITE, 49, 32, 32));
    }

    @Test
    void centreMustStayWithinTheJitter() {
        new ShapeScene(ShapeKind.SQUARE, ShapeColour.RED, ShapeSize.LARGE, Background.WHITE, 48, 24, 40);
        assertThrows(IllegalArgumentException.class, () -> new ShapeScene(ShapeKind.SQUARE, ShapeColour.RED,
                ShapeSize.LARGE, Background.WHITE, 48, 23, 32));
        assertThrows(IllegalArgumentException.class, () -> new ShapeScene(ShapeKind.SQUARE, ShapeColour.RED,
                ShapeSize.LARGE, Background.WHITE, 48, 32, 41));
        assertThrows(NullPointerException.class, () -> new ShapeScene(null, ShapeColour.RED,
                ShapeSize.LARGE, Background.WHITE, 48, 32, 32));
    }

    @Test
    void boxCornerIsCentreMinusHalfTheBox() {
        ShapeScene even = new ShapeScene(ShapeKind.SQUARE, ShapeColour.RED, ShapeSize.LARGE, Background.WHITE,
                48, 24, 40);
        assertEquals(0, even.left());
        assertEquals(16, even.top());
        ShapeScene odd = new ShapeScene(ShapeKind.SQUARE, ShapeColour.RED, ShapeSize.SMALL, Background.WHITE,
                17, 32, 30);
        assertEquals(24, odd.left());
        assertEquals(22, odd.top());
    }

    @Test
    void paletteHasTheExactColours() {
        assertEquals(0xDC2828, ShapeColour.RED.rgb());
        assertEquals(0x28B43C, ShapeColour.GREEN.rgb());
        assertEquals(0x2850DC, ShapeColour.BLUE.rgb());
        assertEquals(0xF0D228, ShapeColour.YELLOW.rgb());
        assertEquals(0x963CC8, ShapeColour.PURPLE.rgb());
        assertEquals(0xF58C1E, ShapeColour.ORANGE.rgb());
        assertEquals(0xFFFFFF, Background.WHITE.rgb());
        assertEquals(0x000000, Background.BLACK.rgb());
    }
}
