package dev.seedj.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The block tree names every block and parameter by its full key, and swaps a child everywhere it is held. */
class BlockTreeTest {

    static final class Tree extends SeedBlock {
        final Mlp body;
        final Linear head;
        final List<Linear> list = new java.util.ArrayList<>();

        Tree() {
            declareChild("", new LayerNorm(4, 1e-5f)); // inline: its names join the parent's
            body = declareChild("body", new Mlp(4, 8, ActivationFunction.GELU));
            list.add(declareChild("layers.0", new Linear(4, 4, true)));
            head = declareChild("head", new Linear(4, 2, false));
        }
    }

    @Test
    void namesComeFromTheConstructorsOnly() {
        Tree tree = new Tree();
        assertEquals(List.of("body", "body.fc1", "body.fc2", "layers.0", "head"), List.copyOf(tree.namedBlocks().keySet()));
        assertEquals(List.of("weight", "bias", "body.fc1.weight", "body.fc1.bias", "body.fc2.weight", "body.fc2.bias",
                "layers.0.weight", "layers.0.bias", "head.weight"), List.copyOf(tree.namedParameters().keySet()));
        assertEquals("fc2", tree.namedBlocks().get("body.fc2").name());
    }

    @Test
    void replaceChildUpdatesFieldsListsAndTheEnumeration() {
        Tree tree = new Tree();
        Linear newHead = new Linear(4, 2, true);
        Linear newLayer = new Linear(4, 4, false);
        tree.replaceChild("head", newHead);
        tree.replaceChild("layers.0", newLayer);
        assertSame(newHead, tree.head);
        assertSame(newLayer, tree.list.get(0));
        assertSame(newHead, tree.namedBlocks().get("head"));
        assertEquals(List.of("weight", "bias", "body.fc1.weight", "body.fc1.bias", "body.fc2.weight", "body.fc2.bias",
                "layers.0.weight", "head.weight", "head.bias"), List.copyOf(tree.namedParameters().keySet()));
        assertThrows(IllegalArgumentException.class, () -> tree.replaceChild("tail", newHead));
        assertThrows(IllegalArgumentException.class, () -> tree.replaceChild("body", new Linear(4, 4, true)),
                "a Mlp field cannot hold a Linear");
        assertEquals(Mlp.class, tree.namedBlocks().get("body").getClass(), "a refused swap changes nothing");
    }

    @Test
    void djlsUntypedForwardIsRefusedWithAClearMessage() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> new Linear(2, 2, true).forward(null, new NDList(), false));
        assertEquals(true, e.getMessage().contains("typed forward"));
    }
}
