// The user's project gets the quick start's sources, as a user copies them from examples/.
def pkg = 'io/github/dl4jcompress/examples'
def to = new File(basedir, "src/main/java/$pkg")
to.mkdirs()
['SslQuickStart.java', 'ToyImages.java'].each { name ->
    new File(to, name).text = new File(examplesSources, "$pkg/$name").text
}
return true
