package io.quiesce.backend.userspace.image;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * The state of the kernel object behind an anon-inode descriptor (eventfd, timerfd, signalfd, epoll, inotify),
 * saved once per open file description ({@link FdImage#object()}); the JSON names its type in {@code "type"}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({ @JsonSubTypes.Type(value = EventFdImage.class, name = "eventfd"),
        @JsonSubTypes.Type(value = TimerFdImage.class, name = "timerfd"),
        @JsonSubTypes.Type(value = SignalFdImage.class, name = "signalfd"),
        @JsonSubTypes.Type(value = EpollImage.class, name = "epoll"),
        @JsonSubTypes.Type(value = InotifyImage.class, name = "inotify") })
public sealed interface KernelObjectImage permits EventFdImage, TimerFdImage, SignalFdImage, EpollImage, InotifyImage {
}
