package io.github.bootimage;

/** How long a booted machine lives. */
public enum Lifecycle {
    /** One machine for all tests of a class (and its nested classes), stopped after the class. */
    PER_CLASS,
    /** A fresh machine for every test method. */
    PER_METHOD
}
