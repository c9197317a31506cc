#!/usr/bin/perl
# perljobs.pl JOB DIR - perl jobs of the corpus (tests/scenarios/corpus-perl-sed-patch.sh):
# file I/O, opendir, rename, unlink and the core file modules, relative to
# the current directory; prints only what is deterministic.
use strict;
use warnings;
use File::Copy qw(copy move);
use File::Find;
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempfile tempdir);

my ($job, $top) = @ARGV;

sub listing {
    my ($dir) = @_;
    opendir(my $dh, $dir) or die "opendir $dir: $!";
    my @names = sort grep { $_ ne '.' && $_ ne '..' } readdir($dh);
    closedir($dh);
    return "$dir: @names";
}

sub slurp {
    my ($f) = @_;
    open(my $fh, '<', $f) or return "($f: $!)";
    local $/;
    my $c = <$fh>;
    close($fh);
    return $c;
}

if ($job eq 'io') {
    open(my $fh, '>>', "$top/top.txt") or die; print $fh "appended by perl\n"; close($fh);
    open($fh, '+<', "$top/both.txt") or die; seek($fh, 0, 0); print $fh "BOTH"; close($fh);
    open($fh, '>', "$top/sub/new.txt") or die; print $fh "new\n"; close($fh);
    open($fh, '>', "$top/bottom.txt") or die; print $fh "truncated and rewritten\n"; close($fh);
    print slurp("$top/$_") for qw(top.txt both.txt sub/new.txt bottom.txt top.link);
    printf "%s: e=%d d=%d f=%d l=%d s=%d x=%d\n", $_, (-e "$top/$_" ? 1 : 0), (-d _ ? 1 : 0), (-f _ ? 1 : 0),
        (-l "$top/$_" ? 1 : 0), (-s "$top/$_" || 0), (-x "$top/$_" ? 1 : 0)
        for qw(top.txt sub leafy top.link dangling tool.sh fifo nope);
    my @st = stat("$top/ro.txt");
    printf "ro.txt mode %o size %d mtime %d\n", $st[2] & 07777, $st[7], $st[9];
    chmod(0600, "$top/ro.txt") or die;
    utime(1500000000, 1500000000, "$top/leafy/a.txt") or die;
    printf "after: %o %d\n", (stat("$top/ro.txt"))[2] & 07777, (stat("$top/leafy/a.txt"))[9];
    truncate("$top/sub/d2.dat", 2) or die;
    print "glob: @{[sort glob(\"$top/*.txt $top/*/*.dat\")]}\n";
}
elsif ($job eq 'dirs') {
    print listing($_), "\n" for ($top, "$top/leafy", "$top/sub", "$top/emptydir");
    rename("$top/top.txt", "$top/leafy/top.moved") or die "rename: $!";
    rename("$top/bottom.txt", "$top/both.txt") or die "rename over: $!";
    unlink("$top/sub/d2.dat", "$top/dangling", "$top/fifo") == 3 or die "unlink: $!";
    mkdir("$top/made") or die; mkdir("$top/made/inner") or die;
    rmdir("$top/emptydir") or die "rmdir: $!";
    print rmdir("$top/leafy") ? "rmdir leafy worked\n" : "rmdir leafy: " . ($!{ENOTEMPTY} ? "ENOTEMPTY" : "$!") . "\n";
    link("$top/private.txt", "$top/private.hard") or die "link: $!";
    symlink("made/inner", "$top/inner.link") or die;
    print "readlink: ", readlink("$top/inner.link"), " ", readlink("$top/deep.link"), "\n";
    print listing($_), "\n" for ($top, "$top/leafy", "$top/sub", "$top/made");
    # rewinddir/telldir/seekdir over a merged directory
    opendir(my $dh, "$top/sub") or die;
    my @first = readdir($dh);
    rewinddir($dh);
    my @again = readdir($dh);
    print "rewind same: ", (join(",", sort @first) eq join(",", sort @again) ? 1 : 0), " count ", scalar(@again), "\n";
    closedir($dh);
}
elsif ($job eq 'modules') {
    my @found;
    find({ wanted => sub { push @found, $File::Find::name }, no_chdir => 0 }, $top);
    print "find: ", join(" ", sort @found), "\n";
    my @found2;
    finddepth(sub { push @found2, $File::Find::name if -f $_ }, "$top/leafy");
    print "finddepth: ", join(" ", sort @found2), "\n";
    copy("$top/top.txt", "$top/sub/deep/copied.txt") or die "copy: $!";
    move("$top/leafy/a.txt", "$top/moved.txt") or die "move: $!";
    # (not a lower directory: rename(2) of one gives EXDEV on the kernel,
    # where File::Copy::move cannot copy a directory)
    move("$top/sub/deep/a.txt", "$top/sub/a.moved") or die "move: $!";
    make_path("$top/mp/a/b", "$top/mp/c", "$top/sub/deep/x");
    # Lower directories with subdirectories too: on its way back up,
    # File::Path checks that ".." still has the inode number it had on the
    # way down (copy-up keeps it).
    my $n = remove_tree("$top/mp", "only_b", "$top/leafy", "$top/sub/b_only");
    print "remove_tree: $n removed, leafy ", (-e "$top/leafy" ? "still there" : "gone"), "\n";
    my $d = tempdir(DIR => $top, CLEANUP => 0);
    my ($fh, $name) = tempfile(DIR => "$top/sub");
    print $fh "temp\n"; close($fh);
    rename($name, "$top/sub/temp.txt") or die;
    rename($d, "$top/tempdir") or die;
    print listing($_), "\n" for ($top, "$top/sub", ".");
}
else { die "unknown job $job\n"; }
