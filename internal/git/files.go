package git

// Reading git's own files instead of running git
//
// The files_*.go files of this package read what git keeps on disk —
// HEAD and refs (loose and packed), FETCH_HEAD, MERGE_HEAD and MERGE_MSG,
// the config files, the identity set in them or in the environment, the
// attributes file the config names, and the index — instead of asking a
// git process. They exist for one reason: every abra command the operator
// types goes through opsync, most of them read-only and inside the pull
// cooldown, where opsync must cost (almost) nothing; each git process is a
// few milliseconds, and the deploy path would otherwise start a dozen just
// to learn which branch is checked out, where it pushes, who the operator
// is and whether a merge is under way. git remains the authority:
//
//   - a reader answers only what it can answer for certain, and says when
//     it cannot (an include directive in a config file, configuration in
//     the environment, an index version it does not know), so that the
//     caller asks git instead; it never guesses;
//   - nothing is written: every change goes through a git process;
//   - each reader has a differential test beside it that sets up real
//     repositories with real git and compares the reader's answer with
//     git's own:
//
//     files_refs.go        Head, ResolveRef (loose and packed refs),
//                          HeadCommit, FetchedIsHead, RemoteBranches,
//                          MergeHead, MergeMessage — files_refs_test.go:
//                          TestHead, TestResolveRef,
//                          TestRemoteBranchesAgreesWithGit,
//                          TestMergeHeadAndFetchedIsHeadAgreeWithGit
//     files_config.go      ParseConfigFile, LoadConfig — files_config_test.go:
//                          TestParseConfigFileAgreesWithGit,
//                          TestLoadConfigFollowsIncludesThroughGit
//     files_ident.go       the identity (Client.Ident) — files_ident_test.go:
//                          TestIdentFromFilesAgreesWithGit
//     files_attributes.go  AttributesFile — files_attributes_test.go
//     files_index.go       SkipWorktree, BlobID — files_index_test.go:
//                          TestSkipWorktreeReadsTheIndex, TestBlobIDIsGits
//
// Two more read git's files for the same reason and sit with what they
// serve: FindRepo (repo.go, the work tree and git directories, linked
// worktrees and submodules; repo_test.go) and Repo.Operation (states.go,
// the markers of a merge, rebase, cherry-pick, revert or bisect under way;
// TestInProgress runs each for real).
