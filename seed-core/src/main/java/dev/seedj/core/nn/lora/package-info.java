/**
 * LoRA for any model built from {@code dev.seedj.core.nn} blocks, as PEFT does it: {@link
 * dev.seedj.core.nn.lora.LoraInjector} walks the block tree by full module names, matches an adapter's
 * {@link dev.seedj.core.nn.lora.LoraTargets} rules ({@code target_modules}, {@code modules_to_save}, ...), and
 * swaps each targeted {@link dev.seedj.core.nn.Linear} for a {@link dev.seedj.core.nn.lora.LoraLinear}; the
 * adapter's parameters are then addressed with PEFT's file keys ({@code base_model.model.<name>}).
 */
package dev.seedj.core.nn.lora;
