/**
 * TrueNorth deployment model (Wen et al., DAC 2016): {@link io.github.dl4jcompress.truenorth.SynapseMapping} (weights →
 * k Bernoulli synapse copies), {@link io.github.dl4jcompress.truenorth.SpikeCoding} (values → s spikes per frame),
 * {@link io.github.dl4jcompress.truenorth.TrueNorthSimulator} (a dense network evaluated as the chip would) and
 * {@link io.github.dl4jcompress.truenorth.CoreModel} (cores and ticks).
 */
package io.github.dl4jcompress.truenorth;
