/**
 * The synthetic world "shapes-64" on which SEED-mini is trained and judged: 64 x 64 pictures of one
 * filled circle, square or upward triangle in one of six colours, small or large, on a white or black
 * background, each with the caption {@code a {size} {colour} {shape} on a {background} background}.
 *
 * <ul>
 *   <li>{@link dev.seedj.examples.shapes.ShapeScene}: one picture's attributes and geometry, its caption
 *       and the caption parser.
 *   <li>{@link dev.seedj.examples.shapes.ShapesRenderer}: a scene to pixels, without anti-aliasing.
 *   <li>{@link dev.seedj.examples.shapes.ShapesWorld}: the seeded generator with disjoint train and test
 *       splits, and the dataset folder writer ({@code captions.jsonl} plus PNG files).
 *   <li>{@link dev.seedj.examples.shapes.ShapeClassifier}: judges any 64 x 64 picture (rendered or
 *       generated) for background, colour, shape and size.
 * </ul>
 */
package dev.seedj.examples.shapes;
