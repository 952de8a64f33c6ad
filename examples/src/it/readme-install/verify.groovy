// The quick start ran to its end: it prints "MACs <before> -> <after> (<percent>%)" after pruning.
def log = new File(basedir, 'build.log').text
def m = log =~ /MACs (\d+) -> (\d+) \(/
assert m.find() : 'the quick start did not print its MAC count'
assert (m.group(2) as long) <= (m.group(1) as long) : 'pruning made the network larger: ' + m.group(0)
return true
