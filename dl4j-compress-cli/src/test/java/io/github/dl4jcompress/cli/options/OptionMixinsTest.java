package io.github.dl4jcompress.cli.options;

import io.github.dl4jcompress.cli.Dl4jc;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared options: a command's default is the one its mixin was built with, shown in --help and overridable. */
class OptionMixinsTest {

    @Command(name = "job")
    static final class Job implements Runnable {
        @Mixin
        SeedOption seed = new SeedOption(7);
        @Mixin
        EpochsOption epochs = new EpochsOption(3);
        @Mixin
        OutputDirOption out;
        @Mixin
        DataOption data;

        @Override
        public void run() {
        }
    }

    @Test
    void defaultsComeFromTheCommandsMixinAndShowInHelp() {
        Job job = new Job();
        new CommandLine(job).parseArgs();
        assertEquals(7, job.seed.seed());
        assertEquals(3, job.epochs.epochs());
        assertEquals(new File("results"), job.out.dir);
        assertNull(job.data.dir());
        assertEquals("", job.data.echo());
        String help = new CommandLine(new Job()).getUsageMessage();
        assertTrue(help.contains("random seed (default 7)"), help);
        assertTrue(help.contains("training epochs (default 3)"), help);
        assertTrue(help.contains("output directory (default results)"), help);
    }

    @Test
    void valuesOverrideAndBadEpochsNameTheOption() {
        Job job = new Job();
        new CommandLine(job).parseArgs("--seed", "11", "--epochs", "0", "--out", "elsewhere", "--data", "/d");
        assertEquals(11, job.seed.seed());
        assertEquals(new File("elsewhere"), job.out.dir);
        assertEquals(" --data /d", job.data.echo());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, job.epochs::epochs);
        assertTrue(e.getMessage().contains("--epochs"), e.getMessage());
    }

    @Test
    void adoptedCommandsKeepTheirDocumentedDefaults() {
        assertTrue(help("terngrad").contains("random seed (default 12345)"));
        assertTrue(help("terngrad").contains("training epochs (default 2)"));
        assertTrue(help("truenorth").contains("random seed (default 7)"));
        assertTrue(help("truenorth").contains("training epochs (default 10)"));
        assertTrue(help("arbiter-search").contains("random seed (default 12345)"));
        assertTrue(help("arbiter-search").contains("training epochs (default 3)"));
        assertTrue(help("spark-ssl").contains("random seed (default 42)"));
        assertTrue(help("spark-terngrad").contains("training epochs (default 2)"));
        assertTrue(help("prune-zoo").contains("random seed (default 42)"));
        assertTrue(help("prune").contains("random seed (default 12345)"));
    }

    private static String help(String command) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new Dl4jc());
        cli.setOut(new PrintWriter(out, true));
        cli.execute(command, "--help");
        return out.toString();
    }
}
