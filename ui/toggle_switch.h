#pragma once

#include <QAbstractButton>

// A small on/off switch. A checkbox reads as "include this layer?", which is
// not what a dropout toggle means: the layer stays, it only stops dropping.
class ToggleSwitch : public QAbstractButton {
    Q_OBJECT
public:
    explicit ToggleSwitch(QWidget* parent = nullptr);

    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
};
