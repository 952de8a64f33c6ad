/**
 * Options shared by the {@code dl4jc} commands, one picocli mixin per concern, so that each option's name, help and
 * default are written once. A command adopts one with {@code @Mixin}; where commands need different defaults (epochs,
 * seed) the command constructs the mixin with its default ({@code @Mixin SeedOption seed = new SeedOption(42);}),
 * which is then the only place that default is written: picocli shows it in {@code --help} and the job reads the
 * option's value, never a copy.
 */
package io.github.dl4jcompress.cli.options;
