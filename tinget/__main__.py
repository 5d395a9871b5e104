from tinget.cli import main

main()
